namespace Once;

/// <summary>One processed message id: the fingerprint of its content, its outcome, and when it was first seen.</summary>
[GenerateSerializer, Immutable, Alias("once.LedgerEntry")]
public sealed record LedgerEntry(
    [property: Id(0)] string MessageId,
    [property: Id(1)] string Fingerprint,
    [property: Id(2)] RecordedOutcome Outcome,
    [property: Id(3)] DateTimeOffset FirstSeenAt);
