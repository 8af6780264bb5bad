using Once.Abstractions;

namespace Once.Core;

/// <summary>The terminal outcome of a message as the ledger keeps it.</summary>
/// <param name="Status">Applied, Unchanged, Rejected or VersionConflict.</param>
/// <param name="Version">The version after the message (applied) or the version it met.</param>
/// <param name="Result">The handler's result (applied and unchanged).</param>
/// <param name="Reason">The rejection reason (rejected).</param>
/// <param name="ExpectedVersion">The version the message expected (version conflict).</param>
[GenerateSerializer, Immutable, Alias("once.RecordedOutcome")]
public sealed record RecordedOutcome(
    [property: Id(0)] OutcomeStatus Status,
    [property: Id(1)] long Version,
    [property: Id(2)] string? Result = null,
    [property: Id(3)] string? Reason = null,
    [property: Id(4)] long? ExpectedVersion = null)
{
    public MessageOutcome ToOutcome(MessageId messageId, DateTimeOffset firstSeenAt, bool replayed) =>
        new(Status, messageId, Version, Result, Reason, Detail: null, ExpectedVersion, replayed, firstSeenAt);
}
