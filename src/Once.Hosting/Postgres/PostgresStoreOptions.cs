namespace Once.Hosting.Postgres;

/// <summary>
/// The native PostgreSQL entity store (<c>Once:Storage=Postgres</c>), section <c>Once:Store</c>: how the
/// silo's committer groups the writes of many entities into one transaction, and how often expired
/// ledger rows are deleted.
/// </summary>
public sealed class PostgresStoreOptions
{
    public const string SectionName = "Once:Store";

    /// <summary>The most entity writes one group commit carries. Default: 256.</summary>
    public int MaxBatchSize { get; set; } = 256;

    /// <summary>
    /// A group commit takes no more writes once it carries this many bytes of data (at least one
    /// write always goes). Default: 4194304 (4 MiB).
    /// </summary>
    public int MaxBatchBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>How often a silo deletes ledger rows older than <c>Once:Ledger:Retention</c>. Default: 00:01:00.</summary>
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The most expired ledger rows one delete removes (it repeats until none are left). Default: 10000.</summary>
    public int PruneBatchSize { get; set; } = 10_000;

    /// <summary>Returns the problems with these settings, each naming its setting; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (MaxBatchSize is < 1 or > 10_000)
        {
            problems.Add($"{SectionName}:MaxBatchSize must be between 1 and 10000 (was {MaxBatchSize}).");
        }

        if (MaxBatchBytes is < 1024 or > 256 * 1024 * 1024)
        {
            problems.Add($"{SectionName}:MaxBatchBytes must be between 1024 and 268435456 (was {MaxBatchBytes}).");
        }

        if (PruneInterval < TimeSpan.FromSeconds(1) || PruneInterval > TimeSpan.FromDays(1))
        {
            problems.Add($"{SectionName}:PruneInterval must be between 00:00:01 and 1.00:00:00 (was {PruneInterval}).");
        }

        if (PruneBatchSize is < 1 or > 1_000_000)
        {
            problems.Add($"{SectionName}:PruneBatchSize must be between 1 and 1000000 (was {PruneBatchSize}).");
        }

        return problems;
    }
}
