namespace Once.Core;

/// <summary>
/// An entity's state in memory with an index over its ledger. Changes only through
/// <see cref="Apply"/>, which a store calls as part of committing.
/// </summary>
/// <remarks>
/// Two layouts use it. When the whole ledger lives in memory and is written with every change (the
/// grain-state layout), <see cref="ForgetsOnWrite"/> is true and the engine prunes the oldest ids as
/// part of each change. When the ledger is a table (the native store), memory holds only the most
/// recent entries (the hot set) plus entries read back on demand, forgetting is done by the store's
/// retention job, and evicting an entry from memory forgets nothing.
/// </remarks>
public sealed class EntityRecord
{
    private readonly Dictionary<string, LedgerEntry> _index = new(StringComparer.Ordinal);

    /// <summary>Entries read back from storage for a lookup; not part of the ordered hot set.</summary>
    private readonly Dictionary<string, LedgerEntry> _recalled = new(StringComparer.Ordinal);

    /// <summary>
    /// For a fork of a record whose ledger is a table: the record it was forked from, where lookups
    /// go on; the fork's own ledger holds only the entries added to it since.
    /// </summary>
    private readonly EntityRecord? _forkedFrom;

    public EntityRecord(EntityState state, bool forgetsOnWrite = true)
        : this(state, forgetsOnWrite, forkedFrom: null)
    {
    }

    private EntityRecord(EntityState state, bool forgetsOnWrite, EntityRecord? forkedFrom)
    {
        ArgumentNullException.ThrowIfNull(state);
        State = state;
        ForgetsOnWrite = forgetsOnWrite;
        _forkedFrom = forkedFrom;
        foreach (var entry in state.Ledger)
        {
            _index[entry.MessageId] = entry;
        }
    }

    /// <summary>The persisted form; a store writes it.</summary>
    public EntityState State { get; }

    /// <summary>
    /// True when <see cref="State"/>'s ledger is the whole ledger, written with every change, so the
    /// engine prunes it (and moves the floor) as part of each change. False when the ledger is kept
    /// elsewhere and memory holds only recent entries.
    /// </summary>
    public bool ForgetsOnWrite { get; }

    public long Version => State.Version;

    public string? Data => State.Data;

    /// <summary>The entries in the ordered in-memory ledger (with a ledger table: the hot set; in a fork of such a record, the entries added to the fork).</summary>
    public int LedgerCount => State.Ledger.Count;

    public DateTimeOffset? LedgerFloor => State.LedgerFloor;

    /// <summary>Emitted messages not yet delivered, oldest first.</summary>
    public IReadOnlyList<OutboxEntry> Outbox => State.Outbox;

    public bool TryGetEntry(string messageId, out LedgerEntry entry) =>
        _index.TryGetValue(messageId, out entry!)
        || _recalled.TryGetValue(messageId, out entry!)
        || (_forkedFrom is not null && _forkedFrom.TryGetEntry(messageId, out entry!));

    /// <summary>The oldest remembered entry at a position (0 = oldest).</summary>
    public LedgerEntry EntryAt(int position) => State.Ledger[position];

    public void Apply(EntityChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (change.PrunedCount > 0 && !ForgetsOnWrite)
        {
            throw new InvalidOperationException("A record whose ledger is a table forgets nothing on a write; its store's retention job does.");
        }

        var ledger = State.Ledger;
        for (var i = 0; i < change.PrunedCount; i++)
        {
            _index.Remove(ledger[i].MessageId);
        }

        ledger.RemoveRange(0, change.PrunedCount);
        if (change.Added is { } added)
        {
            ledger.Add(added);
            _index[added.MessageId] = added;
        }

        if (change.OutboxAdded is { } emitted)
        {
            State.Outbox.AddRange(emitted);
        }

        if (change.OutboxDelivered is { } delivered)
        {
            State.Outbox.RemoveAll(entry => delivered.Contains(entry.Envelope.MessageId));
        }

        State.Version = change.Version;
        State.Data = change.Data;
        State.LedgerFloor = change.LedgerFloor;
    }

    /// <summary>
    /// A copy to decide further messages on before the changes are committed: changes applied to it
    /// leave this record (what storage holds) as it is, and this record must not change while the
    /// fork is in use (the write gate sees to that).
    /// </summary>
    /// <remarks>
    /// When the whole ledger is written with every change, the fork copies it (pruning needs it in
    /// order, and the write costs as much anyway). When the ledger is a table, the fork copies only
    /// the small parts (data, floor, outbox) and looks up ids here, so forking costs the same with an
    /// empty hot set and a full one.
    /// </remarks>
    public EntityRecord Fork()
    {
        var state = new EntityState
        {
            Version = Version,
            Data = Data,
            LedgerFloor = LedgerFloor,
            Ledger = ForgetsOnWrite ? [.. State.Ledger] : [],
            Outbox = [.. State.Outbox],
        };
        var copy = new EntityRecord(state, ForgetsOnWrite, ForgetsOnWrite ? null : this);
        if (ForgetsOnWrite)
        {
            foreach (var (id, entry) in _recalled)
            {
                copy._recalled[id] = entry;
            }
        }

        return copy;
    }

    /// <summary>
    /// Keeps an entry that storage still holds but memory had evicted, so the engine finds it. The
    /// recalled entries are few (one per duplicate of an old id) and bounded by <paramref name="limit"/>.
    /// </summary>
    public void Recall(LedgerEntry entry, int limit)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (_recalled.Count >= limit)
        {
            _recalled.Clear();
        }

        _recalled[entry.MessageId] = entry;
    }

    /// <summary>Evicts the oldest entries of the hot set beyond <paramref name="max"/>; storage still holds them.</summary>
    public void TrimHotSet(int max)
    {
        var ledger = State.Ledger;
        var excess = ledger.Count - max;
        if (excess <= 0)
        {
            return;
        }

        for (var i = 0; i < excess; i++)
        {
            _index.Remove(ledger[i].MessageId);
        }

        ledger.RemoveRange(0, excess);
    }

    /// <summary>Raises the floor to what storage says (its retention job forgot older ids); it never moves back.</summary>
    public void RaiseFloor(DateTimeOffset? floor)
    {
        if (floor is { } f && (State.LedgerFloor is null || f > State.LedgerFloor))
        {
            State.LedgerFloor = f;
        }
    }
}
