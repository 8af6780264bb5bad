namespace Once.Http;

/// <summary>
/// Rate limits of the HTTP API (section <c>Once:RateLimit</c>): a token bucket per caller, that is
/// per API key or JWT subject once authenticated, else per client address. The bucket holds
/// <see cref="Burst"/> requests and gets <see cref="Permits"/> back every <see cref="Period"/>.
/// </summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "Once:RateLimit";

    /// <summary>
    /// Requests each caller gets back every <see cref="Period"/>; 0 switches rate limiting off. High
    /// enough for one busy front end on one key (the local cluster's checkers read at a few thousand a
    /// second), low enough that one key cannot take a cluster's whole capacity. Default: 10000.
    /// </summary>
    public int Permits { get; set; } = 10_000;

    /// <summary>How often a caller's permits come back. Default: 00:00:01.</summary>
    public TimeSpan Period { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Requests a caller may make at once after a quiet spell (the bucket's size). Default: 20000.</summary>
    public int Burst { get; set; } = 20_000;

    /// <summary>Whether requests are limited at all.</summary>
    public bool Enabled => Permits > 0;

    /// <summary>Returns the problems with these settings, each naming its setting; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Permits is < 0 or > 1_000_000)
        {
            problems.Add($"{SectionName}:Permits must be between 0 (off) and 1000000 (was {Permits}).");
        }

        if (Enabled && (Period < TimeSpan.FromMilliseconds(100) || Period > TimeSpan.FromDays(1)))
        {
            problems.Add($"{SectionName}:Period must be between 00:00:00.1 and 1.00:00:00 (was {Period}).");
        }

        if (Enabled && Burst is < 1 or > 10_000_000)
        {
            problems.Add($"{SectionName}:Burst must be between 1 and 10000000 (was {Burst}).");
        }

        return problems;
    }
}
