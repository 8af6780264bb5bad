namespace Once.Hosting;

/// <summary>Where entity state and ledgers live (<c>Once:Storage</c>).</summary>
public enum StorageKind
{
    /// <summary>In the silos' memory: lost when a silo stops. Development and tests only.</summary>
    Memory,

    /// <summary>In PostgreSQL through the Orleans ADO.NET provider: durable.</summary>
    Postgres,
}
