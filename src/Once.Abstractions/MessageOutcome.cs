namespace Once.Abstractions;

/// <summary>
/// The answer to a message. Applied, Unchanged, Rejected and VersionConflict are terminal: they are
/// recorded in the entity's ledger and every later delivery of the same message id gets the same
/// outcome back, with <see cref="Replayed"/> set.
/// </summary>
/// <param name="Status">What became of the message.</param>
/// <param name="MessageId">The message id.</param>
/// <param name="Version">The entity version after the message (applied), or the version it met.</param>
/// <param name="Result">The handler's result as JSON (applied and unchanged only).</param>
/// <param name="Reason">A short machine-readable reason: the handler's rejection reason, or the
/// validation error code for invalid messages.</param>
/// <param name="Detail">A human-readable explanation for refusals.</param>
/// <param name="ExpectedVersion">The version the message expected, when it named one.</param>
/// <param name="Replayed">True when this outcome was recorded for an earlier delivery.</param>
/// <param name="FirstSeenAt">When the entity first processed this message id (terminal outcomes).</param>
[GenerateSerializer, Immutable, Alias("once.MessageOutcome")]
public sealed record MessageOutcome(
    [property: Id(0)] OutcomeStatus Status,
    [property: Id(1)] MessageId MessageId,
    [property: Id(2)] long Version,
    [property: Id(3)] string? Result = null,
    [property: Id(4)] string? Reason = null,
    [property: Id(5)] string? Detail = null,
    [property: Id(6)] long? ExpectedVersion = null,
    [property: Id(7)] bool Replayed = false,
    [property: Id(8)] DateTimeOffset? FirstSeenAt = null)
{
    /// <summary>True for outcomes that are recorded and replayed to later deliveries.</summary>
    public bool IsTerminal => Status is OutcomeStatus.Applied or OutcomeStatus.Unchanged
        or OutcomeStatus.Rejected or OutcomeStatus.VersionConflict;
}
