namespace Once.Client;

/// <summary>
/// How long a call to an entity may take, and how long a front end keeps sending a message again
/// whose outcome a failed call left unknown (section <c>Once:Calls</c>). Sending again is safe: the
/// entity's ledger answers a message it has already committed.
/// </summary>
public sealed class EntityCallOptions
{
    public const string SectionName = "Once:Calls";

    /// <summary>
    /// How long one call waits for its answer before it fails with a <see cref="TimeoutException"/>
    /// (Orleans' response timeout, on silos and clients alike). A call to a silo that died waits this
    /// long. Default: 00:00:04.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(4);

    /// <summary>
    /// How long after a request arrived the HTTP API may still start another attempt of a call that
    /// timed out, reached a dead silo or found the database unavailable. A request waits at most about
    /// this plus <see cref="Timeout"/>. Default: 00:00:06.
    /// </summary>
    public TimeSpan RetryBudget { get; set; } = TimeSpan.FromSeconds(6);

    /// <summary>Returns the problems with these settings, each naming its setting; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Timeout < TimeSpan.FromSeconds(1) || Timeout > TimeSpan.FromMinutes(5))
        {
            problems.Add($"{SectionName}:Timeout must be between 00:00:01 and 00:05:00 (was {Timeout}).");
        }

        if (RetryBudget < TimeSpan.Zero || RetryBudget > TimeSpan.FromMinutes(5))
        {
            problems.Add($"{SectionName}:RetryBudget must be between 00:00:00 and 00:05:00 (was {RetryBudget}).");
        }

        return problems;
    }
}
