namespace Once.Core;

/// <summary>How long processed message ids are remembered, and how many each entity keeps at hand.</summary>
public sealed class LedgerOptions
{
    public const string SectionName = "Once:Ledger";

    /// <summary>How long a processed message id is remembered. Default: 7 days.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// With a ledger kept in the entity's state (grain storage): the most message ids one entity
    /// remembers, the oldest go first. With a ledger table (the native store): how many of the most
    /// recent ids an active entity keeps in memory; older ones stay answered from the table until
    /// <see cref="Retention"/> ends. Default: 1000.
    /// </summary>
    public int MaxEntries { get; set; } = 1000;

    /// <summary>
    /// How far a message's producer time may lie ahead of the entity's clock. A message stamped later
    /// is refused as invalid, and no stored id lifts the ledger floor past its first sighting plus this.
    /// Default: 5 minutes.
    /// </summary>
    public TimeSpan MaxFutureSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Returns the problems with these settings, each naming its setting; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Retention <= TimeSpan.Zero || Retention > TimeSpan.FromDays(3650))
        {
            problems.Add($"{SectionName}:Retention must be greater than zero and at most 3650 days (was {Retention}).");
        }

        if (MaxEntries is < 1 or > 1_000_000)
        {
            problems.Add($"{SectionName}:MaxEntries must be between 1 and 1000000 (was {MaxEntries}).");
        }

        if (MaxFutureSkew < TimeSpan.Zero || MaxFutureSkew > TimeSpan.FromDays(1))
        {
            problems.Add($"{SectionName}:MaxFutureSkew must be between 00:00:00 and 1.00:00:00 (was {MaxFutureSkew}).");
        }

        return problems;
    }
}
