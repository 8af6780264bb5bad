using Once.Hosting;
using static Once.Http.Tests.OnceApi;

namespace Once.Http.Tests;

/// <summary>
/// <c>GET /metrics</c>: the <c>Once</c> meter in Prometheus text format. Counters are read before and
/// after, since the cluster is shared, and on entity types that only these tests use.
/// </summary>
[Collection(OnceHttpCollection.Name)]
public sealed class MetricsEndpointTests(OnceHttpFixture fixture)
{
    private const string Messages = "once_messages_total";
    private const string DeadLetters = "once_dead_letters_total";

    // The silos' counters: served by the API in this process, which shares their meter.
    private readonly HttpClient _client = fixture.InProcessClient;

    [Fact]
    public async Task Scrape_MessageThenReplay_PrometheusTextWithAppliedAndReplayedCountedOnceEach()
    {
        var id = NewId("acc");
        var key = NewId("key");
        var before = await ScrapeBodyAsync();

        Expect.Success(await _client.PostAsync(MeteredAccounts, id, key, Deposit(5)), "applied", 1, key);
        Assert.Equal("true", (await _client.PostAsync(MeteredAccounts, id, key, Deposit(5))).Replayed);
        using var response = await _client.GetAsync(new Uri(OnceMetricsExtensions.Path, UriKind.Relative));
        var after = await response.Content.ReadAsStringAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Contains("# TYPE once_messages_total counter", after, StringComparison.Ordinal);
        Assert.Equal(
            (1.0, 1.0),
            (Growth(before, after, Messages, ("entity_type", MeteredAccounts), ("status", "applied"), ("replayed", "false")),
             Growth(before, after, Messages, ("entity_type", MeteredAccounts), ("status", "applied"), ("replayed", "true"))));
    }

    [Fact]
    public async Task Scrape_Replay_DuplicateAgeHistogramCountsIt_RuntimeMetricsServed()
    {
        const string DuplicateAges = "once_duplicates_age_seconds_count";
        var id = NewId("acc");
        var key = NewId("key");
        Expect.Success(await _client.PostAsync(MeteredAccounts, id, key, Deposit(5)), "applied", 1, key);
        var before = await ScrapeBodyAsync();

        Assert.Equal("true", (await _client.PostAsync(MeteredAccounts, id, key, Deposit(5))).Replayed);
        var after = await ScrapeBodyAsync();

        Assert.Equal(1.0, Growth(before, after, DuplicateAges, ("entity_type", MeteredAccounts)));
        Assert.Contains("# TYPE once_duplicates_age_seconds histogram", after, StringComparison.Ordinal);
        // (ASP.NET Core's request metrics are served too, but not checked here: other tests start and
        // stop API instances in this process, and OpenTelemetry drops a metric whose meter is disposed.)
        Assert.Contains("\ndotnet_", after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scrape_OpenMetricsAccepted_OpenMetricsTextEndingInEof()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, OnceMetricsExtensions.Path);
        request.Headers.TryAddWithoutValidation("Accept", "application/openmetrics-text; version=1.0.0");

        using var response = await _client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("application/openmetrics-text", response.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith("# EOF\n", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scrape_PoisonMessageDeadLettered_DeadLetterCounterGrewByOneForTypeAndSource()
    {
        var id = NewId("f");
        var before = await ScrapeBodyAsync();
        using (FaultyHandler.FailWhile(id))
        {
            Assert.Equal(202, (await _client.PublishAsync(MeteredFaulty, id, NewId("poison"), Work(id))).Status);

            var grown = await Eventually.MatchAsync(
                async () => Growth(before, await ScrapeBodyAsync(), DeadLetters, ("entity_type", MeteredFaulty), ("source", "stream")),
                growth => growth >= 1,
                $"{MeteredFaulty}/{id} was never counted as dead-lettered");

            Assert.Equal(1.0, grown);
        }
    }

    private static double Growth(string before, string after, string name, params (string Name, string Value)[] labels) =>
        PrometheusText.Sum(after, name, labels) - PrometheusText.Sum(before, name, labels);

    private async Task<string> ScrapeBodyAsync()
    {
        var scrape = await _client.GetPathAsync(OnceMetricsExtensions.Path);
        Assert.True(scrape.Status == 200, $"Expected 200 from {OnceMetricsExtensions.Path}, got {scrape}");
        return scrape.Body;
    }
}
