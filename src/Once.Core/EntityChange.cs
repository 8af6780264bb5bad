using Once.Abstractions;

namespace Once.Core;

/// <summary>
/// Everything one message changes, committed in one write: the new version and data, the ledger
/// entry to add, how many of the oldest entries to forget, the resulting ledger floor, and the
/// outbox messages added (emitted) or removed (delivered).
/// A store may write it as a whole new state or as a delta.
/// </summary>
public sealed record EntityChange(
    long Version,
    string? Data,
    LedgerEntry? Added,
    int PrunedCount,
    DateTimeOffset? LedgerFloor,
    IReadOnlyList<OutboxEntry>? OutboxAdded = null,
    IReadOnlyList<MessageId>? OutboxDelivered = null);
