using System.Text.Json;
using Npgsql;
using Once.Core;

namespace Once.Hosting.Postgres;

/// <summary>
/// One entity in the native store. Memory holds the entity row, its outbox, the most recent ledger
/// entries (the hot set, <see cref="LedgerOptions.MaxEntries"/>) and a filter over every id the
/// ledger table holds. A message id that is not in memory is read from the table only when the
/// filter says it may be there, which for a new message it almost never does. Memory changes only
/// after the write committed, so nothing uncommitted is ever seen.
/// </summary>
internal sealed class PostgresEntityStore(string entity, PostgresEntityStores stores) : IEntityStore
{
    /// <summary>How many old entries read back for duplicates are kept beside the hot set.</summary>
    private const int RecallLimit = 64;

    private EntityRecord? _current;
    private MessageIdFilter _filter = new();
    private long _etag;

    /// <summary>What a first write must carry over from the entity's grain-storage row (null: nothing).</summary>
    private EntityState? _moved;

    public EntityRecord Current => _current ?? throw new InvalidOperationException("The entity is not loaded.");

    public bool IsLoaded => _current is not null;

    public async Task EnsureLoadedAsync()
    {
        if (_current is not null)
        {
            return;
        }

        var loaded = await stores.LoadAsync(entity);
        _etag = loaded.Etag;
        _filter = loaded.Filter;
        _moved = loaded.Moved;
        _current = new EntityRecord(loaded.State, forgetsOnWrite: false);
    }

    public async ValueTask FindEntryAsync(string messageId)
    {
        var current = Current;
        if (current.TryGetEntry(messageId, out _) || !_filter.MightContain(messageId))
        {
            return;
        }

        var (entry, floor) = await stores.FindAsync(entity, messageId);
        stores.CountLookup(found: entry is not null);

        // The retention job may have deleted the row: the floor it left says how far history is gone.
        current.RaiseFloor(floor);
        if (entry is not null)
        {
            current.Recall(entry, RecallLimit);
        }
    }

    public async Task CommitAsync(IReadOnlyList<EntityChange> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var current = Current;
        var write = BuildWrite(current, changes);
        bool committed;
        try
        {
            committed = await stores.Committer.CommitAsync(write);
        }
        catch
        {
            Reset();
            throw;
        }

        if (!committed)
        {
            Reset();
            throw new StaleWriteException($"Another activation of {entity} committed first.");
        }

        _etag++;
        _moved = null;
        foreach (var change in changes)
        {
            current.Apply(change);
            if (change.Added is { } added)
            {
                _filter.Add(added.MessageId);
            }
        }

        current.TrimHotSet(stores.HotSetSize);
    }

    public void Reset()
    {
        _current = null;
        _moved = null;
    }

    /// <summary>
    /// One write for all the changes: the last one's version and data, every ledger entry, the outbox
    /// rows added and not delivered again within the same changes, and the delivered rows removed.
    /// </summary>
    private PendingWrite BuildWrite(EntityRecord current, IReadOnlyList<EntityChange> changes)
    {
        var ledger = new List<LedgerEntry>();
        var added = new List<OutboxEntry>();
        var delivered = new HashSet<string>(StringComparer.Ordinal);
        if (_moved is { } moved)
        {
            // The first write of an entity moved from grain storage brings its ledger and outbox along.
            ledger.AddRange(moved.Ledger);
            added.AddRange(moved.Outbox);
        }

        foreach (var change in changes)
        {
            if (change.Added is { } entry)
            {
                ledger.Add(entry);
            }

            added.AddRange(change.OutboxAdded ?? []);
            foreach (var id in change.OutboxDelivered ?? [])
            {
                // A row added by these same changes was never stored: drop it instead of deleting it.
                if (added.RemoveAll(e => e.Envelope.MessageId == id) == 0)
                {
                    delivered.Add(id.Value);
                }
            }
        }

        var emitted = added.Select((e, i) => Row(e, _etag + 1, i)).ToArray();
        var last = changes[^1];
        return new PendingWrite(entity, _etag, last.Version, last.Data, _etag == 0 ? current.LedgerFloor : null, ledger, emitted, [.. delivered]);
    }

    private static OutboxRow Row(OutboxEntry entry, long etag, int index) =>
        new(entry.Envelope.MessageId.Value, (etag << 16) + index, JsonSerializer.Serialize(entry));
}
