using Once.Abstractions;
using Once.Core;

namespace Once.Hosting.Postgres;

/// <summary>
/// One entity's part of a group commit: its row based on <see cref="ExpectedEtag"/> (0: no row yet),
/// the ledger rows to insert, the outbox rows to insert and to delete. <see cref="Done"/> completes
/// after COMMIT with true (committed) or false (stale: another activation wrote first), or fails.
/// </summary>
internal sealed class PendingWrite(
    string entity,
    long expectedEtag,
    long version,
    string? data,
    DateTimeOffset? floor,
    IReadOnlyList<LedgerEntry> ledger,
    IReadOnlyList<OutboxRow> emitted,
    IReadOnlyList<string> delivered)
{
    public string Entity { get; } = entity;

    public long ExpectedEtag { get; } = expectedEtag;

    public long Version { get; } = version;

    public string? Data { get; } = data;

    /// <summary>The ledger floor of a first write (an entity moved from grain storage); ignored by updates.</summary>
    public DateTimeOffset? Floor { get; } = floor;

    public IReadOnlyList<LedgerEntry> Ledger { get; } = ledger;

    public IReadOnlyList<OutboxRow> Emitted { get; } = emitted;

    public IReadOnlyList<string> Delivered { get; } = delivered;

    /// <summary>About how many bytes this write sends, for the batch's byte limit.</summary>
    public int Size { get; } = 128 + (data?.Length ?? 0)
        + ledger.Sum(e => 96 + e.MessageId.Length + (e.Outcome.Result?.Length ?? 0) + (e.Outcome.Reason?.Length ?? 0))
        + emitted.Sum(o => 48 + o.Entry.Length)
        + delivered.Sum(d => 48 + d.Length);

    public TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>An outbox row: the emitted message's id, its delivery position and the entry as JSON.</summary>
internal readonly record struct OutboxRow(string MessageId, long Position, string Entry);
