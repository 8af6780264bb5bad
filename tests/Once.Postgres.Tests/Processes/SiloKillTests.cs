using Xunit.Abstractions;

namespace Once.Postgres.Tests.Processes;

/// <summary>
/// The real thing: three Once.Silo processes and one Once.Api process on PostgreSQL over TLS, continuous load
/// with duplicates, one silo SIGKILLed and started again. Afterwards every acknowledged message is
/// applied exactly once and nothing twice; with deduplication switched off the same check must fail.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SiloKillTests(PostgresServer postgres, ITestOutputHelper output)
{
    private const int Accounts = 40;
    private const int DepositsPerAccount = 60;

    [Fact]
    public async Task SiloProcessKilledUnderLoad_EveryAcknowledgedMessageAppliedExactlyOnce()
    {
        var (result, violations) = await RunAsync(settings: null);

        Assert.Equal(0, result.Unanswered);
        Assert.Equal(Accounts * DepositsPerAccount, result.Acknowledged.Count);
        Assert.Empty(violations);
    }

    [Fact]
    public async Task SiloProcessKilledUnderLoad_DedupOff_NegativeControlFindsDoubleApplications()
    {
        var (_, violations) = await RunAsync(new Dictionary<string, string> { ["Once__Guarantees__accounts"] = "AtLeastOnce" });

        Assert.Contains(violations, v => v.Contains(ExactlyOnceChecker.AppliedTwice, StringComparison.Ordinal));
    }

    private async Task<(KillWorkload.Result Result, IReadOnlyList<string> Violations)> RunAsync(IReadOnlyDictionary<string, string>? settings)
    {
        var database = await postgres.CreateDatabaseAsync();
        // Over mutual TLS, as a production cluster runs: the silo started again rejoins through it.
        var tls = new Dictionary<string, string>(settings ?? new Dictionary<string, string>()) { ["ONCE_TLS"] = "1" };
        await using var cluster = await LocalCluster.StartAsync(database, tls);
        var result = await new KillWorkload(cluster, Accounts, DepositsPerAccount, seed: 20261127).RunAsync();
        using var http = cluster.CreateApiClient(TimeSpan.FromSeconds(90));
        var violations = await ExactlyOnceChecker.CheckAsync(http, result);

        output.WriteLine(
            $"distinct messages {result.Distinct.Count}, sends {result.Sends} (duplicates {result.Sends - result.Distinct.Count}), " +
            $"acknowledged {result.Acknowledged.Count}, client retries {result.Retries}, unanswered {result.Unanswered}, violations {violations.Count}");
        foreach (var violation in violations.Take(10))
        {
            output.WriteLine(violation);
        }

        return (result, violations);
    }
}
