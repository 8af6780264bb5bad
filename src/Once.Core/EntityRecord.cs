namespace Once;

/// <summary>
/// An entity's state in memory with an index over its ledger. Changes only through
/// <see cref="Apply"/>, which a store calls as part of committing.
/// </summary>
public sealed class EntityRecord
{
    private readonly Dictionary<string, LedgerEntry> _index = new(StringComparer.Ordinal);

    public EntityRecord(EntityState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        State = state;
        foreach (var entry in state.Ledger)
        {
            _index[entry.MessageId] = entry;
        }
    }

    /// <summary>The persisted form; a store writes it.</summary>
    public EntityState State { get; }

    public long Version => State.Version;

    public string? Data => State.Data;

    public int LedgerCount => State.Ledger.Count;

    public DateTimeOffset? LedgerFloor => State.LedgerFloor;

    /// <summary>Emitted messages not yet delivered, oldest first.</summary>
    public IReadOnlyList<OutboxEntry> Outbox => State.Outbox;

    public bool TryGetEntry(string messageId, out LedgerEntry entry) => _index.TryGetValue(messageId, out entry!);

    /// <summary>The oldest remembered entry at a position (0 = oldest).</summary>
    public LedgerEntry EntryAt(int position) => State.Ledger[position];

    public void Apply(EntityChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
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
}
