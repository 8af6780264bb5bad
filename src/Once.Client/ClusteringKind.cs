namespace Once.Client;

/// <summary>How silos find each other and clients find gateways (<c>Once:Clustering</c>).</summary>
public enum ClusteringKind
{
    /// <summary>One machine: a primary silo on the loopback silo port. Development only.</summary>
    Localhost,

    /// <summary>The membership table in PostgreSQL: any number of silos and clients.</summary>
    Postgres,
}
