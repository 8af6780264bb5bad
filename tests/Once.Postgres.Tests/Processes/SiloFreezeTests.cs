using System.Diagnostics;
using Xunit.Abstractions;

namespace Once.Postgres.Tests.Processes;

/// <summary>
/// A silo frozen under load (SIGSTOP: its sockets stay open, it answers nothing) is evicted by the
/// others within 20 s, its entities move to live silos, and once thawed it finds itself dead and stops
/// without committing anything: every acknowledged message is applied exactly once. The negative
/// control runs the same freeze with slow membership settings, which must not evict it in time.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SiloFreezeTests(PostgresServer postgres, ITestOutputHelper output)
{
    private const int Accounts = 30;
    private const int DepositsPerAccount = 40;
    private static readonly TimeSpan EvictionTarget = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task SiloFrozenUnderLoad_EvictedWithin20s_ThawedItStops_EveryMessageAppliedExactlyOnce()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await LocalCluster.StartAsync(database);
        TimeSpan? evicted = null, stopped = null;

        async Task FreezeAsync()
        {
            await cluster.FreezeSiloAsync(2);
            evicted = await WaitAsync(() => cluster.IsSiloDeclaredDeadAsync(2), TimeSpan.FromSeconds(90));
            await cluster.ThawSiloAsync(2);
            stopped = await WaitAsync(() => Task.FromResult(!cluster.IsSiloRunning(2)), TimeSpan.FromSeconds(60));
        }

        var result = await new KillWorkload(cluster, Accounts, DepositsPerAccount, seed: 20261202, fault: FreezeAsync).RunAsync();
        using var http = cluster.CreateApiClient(TimeSpan.FromSeconds(90));
        var violations = await ExactlyOnceChecker.CheckAsync(http, result);
        output.WriteLine($"evicted after {evicted}, stopped {stopped} after the thaw; acknowledged {result.Acknowledged.Count}, retries {result.Retries}, violations {violations.Count}");

        Assert.NotNull(evicted);
        Assert.True(evicted < EvictionTarget, $"the frozen silo was declared dead after {evicted}");
        Assert.NotNull(stopped);
        Assert.Equal(0, result.Unanswered);
        Assert.Equal(Accounts * DepositsPerAccount, result.Acknowledged.Count);
        Assert.Empty(violations);
    }

    [Fact]
    public async Task SiloFrozen_SlowMembershipSettings_NegativeControlNotEvictedWithin20s()
    {
        var database = await postgres.CreateDatabaseAsync();
        // Orleans' own timing: 5 s probes adapting up to 20 s (Once keeps twice the probe time), votes valid for 2 minutes.
        await using var cluster = await LocalCluster.StartAsync(database, new Dictionary<string, string>
        {
            ["Once__Membership__ProbeTimeout"] = "00:00:10",
            ["Once__Membership__DeathVoteExpiration"] = "00:02:00",
        });

        await cluster.FreezeSiloAsync(2);
        var evicted = await WaitAsync(() => cluster.IsSiloDeclaredDeadAsync(2), EvictionTarget);
        await cluster.ThawSiloAsync(2);

        Assert.Null(evicted);
    }

    /// <summary>How long until the condition held, or null when it did not within the limit.</summary>
    private static async Task<TimeSpan?> WaitAsync(Func<Task<bool>> condition, TimeSpan limit)
    {
        var elapsed = Stopwatch.StartNew();
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        while (elapsed.Elapsed < limit)
        {
            if (await condition())
            {
                return elapsed.Elapsed;
            }

            await timer.WaitForNextTickAsync();
        }

        return null;
    }
}
