namespace Once.Client;

/// <summary>
/// How quickly the silos notice that one of them stopped answering (section <c>Once:Membership</c>),
/// mapped onto Orleans' cluster membership. The defaults evict a killed or frozen silo of a 3-silo
/// cluster within about 10 seconds (Orleans' own defaults took a minute or more), so the entities it
/// held move to the live silos quickly; the evicted silo stops itself if it ever runs again.
/// </summary>
public sealed class MembershipSettings
{
    /// <summary>How long one liveness probe waits for its answer (Orleans adapts it between half and twice this). Default: 00:00:02.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Probes a silo may miss before its prober suspects it and votes it dead. Default: 3.</summary>
    public int MissedProbes { get; set; } = 3;

    /// <summary>Votes that declare a silo dead (fewer when fewer silos are left to vote). Default: 2.</summary>
    public int Votes { get; set; } = 2;

    /// <summary>How long a vote counts; a suspicion older than this is forgotten. Default: 00:00:30.</summary>
    public TimeSpan DeathVoteExpiration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a silo writes its heartbeat into the membership table. Default: 00:00:10.</summary>
    public TimeSpan IAmAlivePeriod { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How often a client reads the live gateways from the membership table. A client keeps sending
    /// the calls of a third of the entities to a frozen silo's gateway until it reads that the silo was
    /// evicted (Orleans' default: once a minute). Default: 00:00:05.
    /// </summary>
    public TimeSpan GatewayRefreshPeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Returns the problems with these settings, each naming its setting; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (ProbeTimeout < TimeSpan.FromMilliseconds(500) || ProbeTimeout > TimeSpan.FromMinutes(1))
        {
            problems.Add($"Once:Membership:ProbeTimeout must be between 00:00:00.5 and 00:01:00 (was {ProbeTimeout}).");
        }

        if (MissedProbes is < 1 or > 10)
        {
            problems.Add($"Once:Membership:MissedProbes must be between 1 and 10 (was {MissedProbes}).");
        }

        if (Votes is < 1 or > 10)
        {
            problems.Add($"Once:Membership:Votes must be between 1 and 10 (was {Votes}).");
        }

        if (DeathVoteExpiration < 2 * MissedProbes * ProbeTimeout || DeathVoteExpiration > TimeSpan.FromHours(1))
        {
            problems.Add($"Once:Membership:DeathVoteExpiration must be at least twice MissedProbes x ProbeTimeout and at most 01:00:00 (was {DeathVoteExpiration}).");
        }

        if (IAmAlivePeriod < TimeSpan.FromSeconds(1) || IAmAlivePeriod > TimeSpan.FromMinutes(10))
        {
            problems.Add($"Once:Membership:IAmAlivePeriod must be between 00:00:01 and 00:10:00 (was {IAmAlivePeriod}).");
        }

        if (GatewayRefreshPeriod < TimeSpan.FromSeconds(1) || GatewayRefreshPeriod > TimeSpan.FromMinutes(10))
        {
            problems.Add($"Once:Membership:GatewayRefreshPeriod must be between 00:00:01 and 00:10:00 (was {GatewayRefreshPeriod}).");
        }

        return problems;
    }
}
