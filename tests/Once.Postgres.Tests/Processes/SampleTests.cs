using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Once.Postgres.Tests.Processes;

/// <summary>
/// The proof that a user can run their own entity types: the packages are packed from this build,
/// and samples/Inventory (a silo host, an entity type, a front end and its tests, as a user would
/// write them) is built against those packages only (a NuGet cache of its own, so nothing older is
/// picked up), its tests run on the testing package, and its silo and front end serve messages
/// through the Orleans client and over HTTP, where the silo alone knows the entity type.
/// </summary>
// In the PostgreSQL collection so these processes never start beside a test cluster.
[Collection(PostgresCollection.Name)]
public sealed partial class SampleTests(SampleBuild sample) : IClassFixture<SampleBuild>
{
    private string Sample => sample.Sample;

    private Dictionary<string, string> Environment => sample.Environment;

    private Task<(int ExitCode, string Output)> DotnetAsync(string directory, params string[] arguments) => sample.DotnetAsync(directory, arguments);

    [Fact]
    public void Sample_BuiltFromThePackedPackages_NotFromTheProjects()
    {
        var cached = Directory.GetDirectories(Path.Combine(sample.Root, "nuget")).Select(Path.GetFileName).Order().ToArray();
        var frontEnd = File.ReadAllText(Path.Combine(Sample, "Inventory.FrontEnd", "bin", "Debug", "net10.0", "Inventory.FrontEnd.deps.json"));

        Assert.Contains("once.testing", cached);
        Assert.All(cached, name => Assert.StartsWith("once.", name, StringComparison.Ordinal));
        Assert.All(Directory.GetDirectories(Path.Combine(sample.Root, "nuget", "once.core")), dir => Assert.Equal(sample.Version, Path.GetFileName(dir)));
        Assert.Contains($"\"Once.Http/{sample.Version}\"", frontEnd, StringComparison.Ordinal);
        Assert.DoesNotContain("Once.Core/", frontEnd, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SampleTests_OnTheTestingPackage_Pass()
    {
        var test = await DotnetAsync(Sample, "test", "Inventory.Tests", "--no-build");

        Assert.True(test.ExitCode == 0, "the sample's tests failed:\n" + test.Output);
        Assert.Matches(@"Passed!\s+-\s+Failed:\s+0, Passed:\s+[1-9]", test.Output);
    }

    [Fact]
    public async Task SampleSiloAndFrontEnd_MessagesByHttpAndByTheOrleansClient_AppliedOnce()
    {
        var (siloPort, gatewayPort, webPort) = (LocalCluster.FreePort(), LocalCluster.FreePort(), LocalCluster.FreePort());
        var cluster = new Dictionary<string, string>(Environment)
        {
            ["Once__SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture),
            ["Once__GatewayPort"] = gatewayPort.ToString(CultureInfo.InvariantCulture),
            ["Once__ClusterId"] = "inventory-sample",
            ["Once__Auth__Mode"] = "ApiKey",
            ["Once__Auth__ApiKeys__sample__Key"] = SampleKey,
            ["Once__Auth__ApiKeys__sample__Scopes"] = "send,read",
        };
        await using var silo = ChildProcess.Start("dotnet", [Output("Inventory.Silo")], Sample, cluster);
        await using var frontEnd = ChildProcess.Start("dotnet", [Output("Inventory.FrontEnd"), "--urls", $"http://127.0.0.1:{webPort}"], Sample, cluster);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{webPort}"), Timeout = TimeSpan.FromSeconds(20) };
        using var anonymous = new HttpClient { BaseAddress = http.BaseAddress, Timeout = http.Timeout };
        http.DefaultRequestHeaders.Add("X-Api-Key", SampleKey);
        await WaitReadyAsync(http, silo, frontEnd);

        var sku = "sku-" + Guid.NewGuid().ToString("N")[..8];
        using var received = await PostMessageAsync(http, sku, "in-1", """{"type":"receive","data":{"count":5}}""");
        using var receivedAgain = await PostMessageAsync(http, sku, "in-1", """{"type":"receive","data":{"count":5}}""");
        using var reserved = await http.PostAsync(new Uri($"/orders/o-1/reserve?sku={sku}&count=3", UriKind.Relative), null);
        using var reservedAgain = await http.PostAsync(new Uri($"/orders/o-1/reserve?sku={sku}&count=3", UriKind.Relative), null);
        using var invalid = await PostMessageAsync(http, sku, "in-2", """{"type":"receive","data":{"count":"five"}}""");
        using var unknown = await PostMessageAsync(http, sku, "in-3", """{"type":"ship","data":{}}""");
        using var state = await http.GetAsync(new Uri($"/v1/entities/stock/{sku}", UriKind.Relative));
        using var refused = await anonymous.GetAsync(new Uri($"/v1/entities/stock/{sku}", UriKind.Relative));

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (received.StatusCode, receivedAgain.StatusCode));
        Assert.Equal("true", string.Join(",", receivedAgain.Headers.GetValues("Idempotent-Replayed")));
        Assert.Equal(("applied", false), await ReservationAsync(reserved));
        Assert.Equal(("applied", true), await ReservationAsync(reservedAgain));
        // Checked by the silo, which has the handler; the front end answers with the same problems.
        Assert.Equal((HttpStatusCode.BadRequest, "invalid-data"), (invalid.StatusCode, await ReasonAsync(invalid)));
        Assert.Equal((HttpStatusCode.BadRequest, "unknown-message-type"), (unknown.StatusCode, await ReasonAsync(unknown)));
        using var entity = JsonDocument.Parse(await state.Content.ReadAsStringAsync());
        Assert.Equal((5, 3), (entity.RootElement.GetProperty("state").GetProperty("onHand").GetInt32(), entity.RootElement.GetProperty("state").GetProperty("reserved").GetInt32()));
        Assert.Equal(2, entity.RootElement.GetProperty("version").GetInt64());
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    private const string SampleKey = "sample-front-end-key-0123";

    private string Output(string project) => Path.Combine(Sample, project, "bin", "Debug", "net10.0", project + ".dll");

    private static async Task<HttpResponseMessage> PostMessageAsync(HttpClient http, string sku, string id, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/entities/stock/{sku}/messages")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", id);
        return await http.SendAsync(request);
    }

    private static async Task<(string Status, bool Replayed)> ReservationAsync(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (json.RootElement.GetProperty("status").GetString()!, json.RootElement.GetProperty("replayed").GetBoolean());
    }

    private static async Task<string?> ReasonAsync(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.TryGetProperty("reason", out var reason) ? reason.GetString() : null;
    }

    /// <summary>Until the front end answers ready (it is connected to the silo's gateway), within a minute.</summary>
    private static async Task WaitReadyAsync(HttpClient http, ChildProcess silo, ChildProcess frontEnd)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        var elapsed = Stopwatch.StartNew();
        while (elapsed.Elapsed < TimeSpan.FromMinutes(1) && !silo.HasExited && !frontEnd.HasExited)
        {
            try
            {
                using var ready = await http.GetAsync(new Uri("/health/ready", UriKind.Relative));
                if (ready.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await timer.WaitForNextTickAsync();
        }

        Assert.Fail($"The sample did not get ready.\nSilo:\n{silo.Output}\nFront end:\n{frontEnd.Output}");
    }
}
