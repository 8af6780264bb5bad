using Once.Abstractions;

namespace Once.Core;

/// <summary>
/// One processed message id: the fingerprint of its content, its outcome, when the entity first saw
/// it and, when the producer said, when it was produced.
/// </summary>
[GenerateSerializer, Immutable, Alias("once.LedgerEntry")]
public sealed record LedgerEntry(
    [property: Id(0)] string MessageId,
    [property: Id(1)] string Fingerprint,
    [property: Id(2)] RecordedOutcome Outcome,
    [property: Id(3)] DateTimeOffset FirstSeenAt,
    [property: Id(4)] DateTimeOffset? ProducedAt = null)
{
    /// <summary>
    /// The latest time this message can claim: a redelivery carries the same producer timestamp, so
    /// a floor at or after it refuses the redelivery even when the producer's clock runs ahead.
    /// </summary>
    public DateTimeOffset LatestClaim => ProducedAt is { } produced && produced > FirstSeenAt ? produced : FirstSeenAt;
}
