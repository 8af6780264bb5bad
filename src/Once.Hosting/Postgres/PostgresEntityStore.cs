using System.Text.Json;
using Npgsql;

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

    /// <summary>Database reads made for ids the filter let through, and how many found nothing (false positives).</summary>
    public (long Reads, long Misses) Lookups { get; private set; }

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
        Lookups = (Lookups.Reads + 1, Lookups.Misses + (entry is null ? 1 : 0));
        stores.CountLookup(found: entry is not null);

        // The retention job may have deleted the row: the floor it left says how far history is gone.
        current.RaiseFloor(floor);
        if (entry is not null)
        {
            current.Recall(entry, RecallLimit);
        }
    }

    public async Task CommitAsync(EntityChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var current = Current;
        var write = BuildWrite(current, change);
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
        current.Apply(change);
        if (change.Added is { } added)
        {
            _filter.Add(added.MessageId);
        }

        current.TrimHotSet(stores.HotSetSize);
    }

    public void Reset()
    {
        _current = null;
        _moved = null;
    }

    private PendingWrite BuildWrite(EntityRecord current, EntityChange change)
    {
        var ledger = new List<LedgerEntry>();
        var emitted = new List<OutboxRow>();
        var delivered = change.OutboxDelivered?.Select(id => id.Value).ToArray() ?? [];
        if (_moved is { } moved)
        {
            // The first write of an entity moved from grain storage brings its ledger and outbox along.
            ledger.AddRange(moved.Ledger);
            emitted.AddRange(moved.Outbox
                .Where(e => !delivered.Contains(e.Envelope.MessageId.Value))
                .Select((e, i) => Row(e, 0, i)));
            delivered = [];
        }

        if (change.Added is { } added)
        {
            ledger.Add(added);
        }

        if (change.OutboxAdded is { } added2)
        {
            emitted.AddRange(added2.Select((e, i) => Row(e, _etag + 1, i)));
        }

        return new PendingWrite(entity, _etag, change.Version, change.Data, _etag == 0 ? current.LedgerFloor : null, ledger, emitted, delivered);
    }

    private static OutboxRow Row(OutboxEntry entry, long etag, int index) =>
        new(entry.Envelope.MessageId.Value, (etag << 16) + index, JsonSerializer.Serialize(entry));
}
