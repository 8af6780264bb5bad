namespace Once.Core;

/// <summary>
/// What one entity grain persists, in one write: the version, the data, and the ledger of processed
/// message ids (oldest first). <see cref="LedgerFloor"/> is the latest time (first seen or produced)
/// of any id the ledger has forgotten: history before it is incomplete.
/// </summary>
[GenerateSerializer, Alias("once.EntityState")]
public sealed class EntityState
{
    /// <summary>How many applied messages changed the entity.</summary>
    [Id(0)]
    public long Version { get; set; }

    /// <summary>The entity's data as canonical JSON; null until a message changes it.</summary>
    [Id(1)]
    public string? Data { get; set; }

    /// <summary>The processed message ids still remembered, oldest first.</summary>
    [Id(2)]
    public List<LedgerEntry> Ledger { get; set; } = [];

    /// <summary>The latest first-seen or produced time of a forgotten id; null while nothing was forgotten.</summary>
    [Id(3)]
    public DateTimeOffset? LedgerFloor { get; set; }

    /// <summary>Messages to other entities, written with the change that emitted them, not yet delivered.</summary>
    [Id(4)]
    public List<OutboxEntry> Outbox { get; set; } = [];
}
