using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Once.Client;
using static Once.Http.Tests.OnceApi;

namespace Once.Http.Tests;

/// <summary>
/// <c>Once:RateLimit</c>: a token bucket per API key. A request over its key's limit gets <c>429</c>
/// problem+json with <c>Retry-After</c> and changes nothing; another key has its own bucket; the
/// health checks are never limited. The buckets here refill once an hour, so nothing depends on time.
/// </summary>
[Collection(OnceHttpCollection.Name)]
public sealed class RateLimitTests(OnceHttpFixture fixture)
{
    private const int Burst = 3;
    private static readonly string KeyA = "rate-key-a-0123456789", KeyB = "rate-key-b-0123456789";

    [Fact]
    public async Task KeyOverItsBurst_429WithRetryAfter_MessageNotApplied_OtherKeyAndHealthStillServed()
    {
        await using var app = await StartAsync(permits: 1);
        using var a = Client(app, KeyA);
        using var b = Client(app, KeyB);
        var account = NewId("acc");

        for (var i = 0; i < Burst; i++)
        {
            var key = NewId("dep");
            Expect.Success(await a.PostAsync(Accounts, account, key, Deposit(1)), "applied", i + 1, key);
        }

        var limitedKey = NewId("dep");
        var response = await a.SendAsync(PostRequest(Accounts, account, limitedKey, Json(Deposit(1))));
        var retryAfter = response.Headers.RetryAfter?.Delta;
        var problem = Expect.Problem(await Answer.ReadAsync(response), 429);
        using var health = await a.GetAsync(new Uri("/health/ready", UriKind.Relative));

        Assert.Equal("urn:once:problem:rate-limited", problem.GetProperty("type").GetString());
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        Assert.Equal(200, (int)health.StatusCode);
        // Key B has a bucket of its own: it reads the account, where the limited deposit never arrived.
        Expect.Entity(await b.GetEntityAsync(Accounts, account), Accounts, account, Burst);
        Expect.Problem(await b.GetOutcomeAsync(Accounts, account, limitedKey), 404);
    }

    [Fact]
    public async Task RateLimitOff_SameBurstAllServed()
    {
        // The control: with Permits=0 the requests that were limited above all get through.
        await using var app = await StartAsync(permits: 0);
        using var a = Client(app, KeyA);
        var account = NewId("acc");

        for (var i = 0; i < Burst + 3; i++)
        {
            var key = NewId("dep");
            Expect.Success(await a.PostAsync(Accounts, account, key, Deposit(1)), "applied", i + 1, key);
        }
    }

    [Theory]
    [InlineData("Once:RateLimit:Permits", "-1", "Once:RateLimit:Permits must be between 0 (off) and 1000000 (was -1).")]
    [InlineData("Once:RateLimit:Burst", "0", "Once:RateLimit:Burst must be between 1 and 10000000 (was 0).")]
    [InlineData("Once:RateLimit:Period", "00:00:00", "Once:RateLimit:Period must be between 00:00:00.1 and 1.00:00:00 (was 00:00:00).")]
    [InlineData("Once:RateLimit:Bursts", "5", "'Bursts'")]
    public void BadSetting_RefusedAtStartNamingIt(string setting, string value, string expected)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection([new(setting, value)]);

        var error = Assert.Throws<OnceConfigurationException>(() => builder.AddOnceRateLimits());

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    private static HttpClient Client(WebApplication app, string key)
    {
        var client = app.GetTestClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    private Task<WebApplication> StartAsync(int permits) =>
        fixture.StartAppAsync(web =>
        {
            web.WebHost.UseTestServer();
            web.Configuration.AddInMemoryCollection([
                new("Once:Auth:Mode", "ApiKey"),
                new("Once:Auth:ApiKeys:a:Key", KeyA),
                new("Once:Auth:ApiKeys:a:Scopes", "send,read"),
                new("Once:Auth:ApiKeys:b:Key", KeyB),
                new("Once:Auth:ApiKeys:b:Scopes", "send,read"),
                new("Once:RateLimit:Permits", permits.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                new("Once:RateLimit:Period", "01:00:00"),
                new("Once:RateLimit:Burst", Burst.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ]);
            web.AddOnceAuth(defaultMode: null);
            web.AddOnceRateLimits();
        });
}
