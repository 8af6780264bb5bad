using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Once.Postgres.Tests.Processes;

/// <summary>
/// The Orleans dashboard on Once.Api (<c>Once:Dashboard=true</c> on the API and the silos): the API
/// serves it behind the <c>admin</c> scope and reads it, through its client, from the three silos,
/// which collect the figures of the entities they host. Off by default
/// (<see cref="LocalClusterScriptTests"/> checks that a cluster without the setting has no such page).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ApiDashboardTests(PostgresServer postgres)
{
    [Fact]
    public async Task DashboardOn_AdminOnly_ShowsThreeSilosAndTheEntities()
    {
        await using var cluster = await LocalCluster.StartAsync(await postgres.CreateDatabaseAsync(), new Dictionary<string, string> { ["Once__Dashboard"] = "true" });
        using var http = cluster.CreateApiClient(TimeSpan.FromSeconds(30));
        using var anonymous = new HttpClient { BaseAddress = cluster.Api, Timeout = TimeSpan.FromSeconds(30) };

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/entities/accounts/dash-1/messages")
        {
            Content = JsonContent.Create(new { type = "deposit", data = new { amount = 5 } }),
        };
        request.Headers.Add("Idempotency-Key", "dash-deposit-1");
        using var deposit = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, deposit.StatusCode);
        using var anonymousPage = await anonymous.GetAsync(new Uri("/dashboard/", UriKind.Relative));
        using var page = await http.GetAsync(new Uri("/dashboard/", UriKind.Relative));
        var counters = await Eventually.MatchAsync(
            async () => await http.GetStringAsync(new Uri("/dashboard/DashboardCounters", UriKind.Relative)),
            json => ActiveHosts(json) == 3 && GrainTypes(json).Any(t => t.Contains("EntityGrain", StringComparison.Ordinal)),
            "the dashboard never showed three silos and an entity grain",
            TimeSpan.FromSeconds(60));

        Assert.Equal(HttpStatusCode.Unauthorized, anonymousPage.StatusCode);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Equal(3, ActiveHosts(counters));
    }

    private static int ActiveHosts(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("totalActiveHostCount").GetInt32();
    }

    private static List<string> GrainTypes(string json)
    {
        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.GetProperty("simpleGrainStats").EnumerateArray().Select(s => s.GetProperty("grainType").GetString() ?? "")];
    }
}
