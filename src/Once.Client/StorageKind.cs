namespace Once.Client;

/// <summary>Where entity state and ledgers live (<c>Once:Storage</c>).</summary>
public enum StorageKind
{
    /// <summary>In the silos' memory: lost when a silo stops. Development and tests only.</summary>
    Memory,

    /// <summary>
    /// In PostgreSQL, in Once's own tables: one row per entity, one per processed message id, written
    /// by the silo's group commit. Durable, and a write costs the same however long the ledger is.
    /// </summary>
    Postgres,

    /// <summary>
    /// In PostgreSQL through Orleans' grain persistence (Microsoft.Orleans.Persistence.AdoNet): the
    /// whole entity, ledger included, is one row rewritten on every write, so the ledger is capped by
    /// <c>Once:Ledger:MaxEntries</c> and writes grow with it. For deployments that keep Orleans' provider.
    /// </summary>
    AdoNetGrainStorage,
}
