namespace Once.Postgres.Tests.Processes;

/// <summary>
/// deploy/local-cluster.sh as an operator uses it: status tells readiness, a second start and a wrong
/// silo number are answered plainly. Its API has no dashboard unless Once:Dashboard says so.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class LocalClusterScriptTests(PostgresServer postgres)
{
    [Fact]
    public async Task Script_StatusStartAgainWrongSilo_AnsweredPlainly()
    {
        await using var cluster = await LocalCluster.StartAsync(await postgres.CreateDatabaseAsync());

        using var http = cluster.CreateApiClient(TimeSpan.FromSeconds(30));
        using var dashboard = await http.GetAsync(new Uri("/dashboard/", UriKind.Relative));
        var ready = await cluster.ScriptAsync("status");
        var again = await cluster.ScriptAsync("start");
        var wrong = await cluster.ScriptAsync("kill-silo", "5");
        var none = await cluster.ScriptAsync("freeze-silo");
        await cluster.KillSiloAsync(1);
        var degraded = await cluster.ScriptAsync("status");

        Assert.Equal(System.Net.HttpStatusCode.NotFound, dashboard.StatusCode);
        Assert.Equal(0, ready.ExitCode);
        Assert.Equal(4, ready.Output.Split('\n').Count(l => l.Contains(": ready (pid", StringComparison.Ordinal)));
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("already runs", again.Output, StringComparison.Ordinal);
        Assert.Equal(2, wrong.ExitCode);
        Assert.Contains("no silo '5'", wrong.Output, StringComparison.Ordinal);
        Assert.Equal(2, none.ExitCode);
        Assert.NotEqual(0, degraded.ExitCode);
        Assert.Contains("silo1: not running", degraded.Output, StringComparison.Ordinal);
        Assert.Contains("silo2: ready", degraded.Output, StringComparison.Ordinal);
    }
}
