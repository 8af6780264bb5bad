namespace Once;

/// <summary>
/// Everything one message changes, committed in one write: the new version and data, the ledger
/// entry to add, how many of the oldest entries to forget, and the resulting ledger floor.
/// A store may write it as a whole new state or as a delta.
/// </summary>
public sealed record EntityChange(
    long Version,
    string? Data,
    LedgerEntry? Added,
    int PrunedCount,
    DateTimeOffset? LedgerFloor);
