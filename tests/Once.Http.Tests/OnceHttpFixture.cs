using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Once.Client;
using Once.Grains;
using Once.Hosting;
using Once.Samples;
using Orleans.TestingHost;

namespace Once.Http.Tests;

/// <summary>
/// A two-silo in-process cluster with in-memory storage and the HTTP API on a test server in front
/// of it, the way a front-end service runs: its own catalog, the cluster client as grain factory.
/// Besides the sample domains it registers a copy of accounts without deduplication, so that the
/// exactly-once checks have a negative control that must fail, and <see cref="FaultyHandler"/> entity
/// types whose handler throws on demand (poison messages for the dead-letter tests), and
/// <see cref="MeteredEntitiesExtensions"/>' types for the metrics tests. <c>/metrics</c> is served by
/// the HTTP app; it sees the silos' counters because OpenTelemetry listens to the <c>Once</c> meter by
/// name across the process.
/// </summary>
public sealed class OnceHttpFixture : IAsyncLifetime
{
    /// <summary>Failed stream deliveries of one message before it is dead-lettered (small, so poison tests are quick).</summary>
    public const int StreamMaxAttempts = 3;

    private InProcessTestCluster? _cluster;
    private WebApplication? _app;
    private WebApplication? _kestrel;

    public HttpClient Client { get; private set; } = null!;

    /// <summary>The cluster client the API instances use (memory streams over 8 partitions, like the silos).</summary>
    public IClusterClient ClusterClient => _cluster?.Client ?? throw new InvalidOperationException("Not started.");

    /// <summary>Where the Kestrel instance of the API listens, e.g. http://127.0.0.1:41234.</summary>
    public Uri KestrelAddress { get; private set; } = null!;

    /// <summary>Error lines both API instances logged (warnings and above).</summary>
    public CapturedLogs Logs { get; } = new();

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(2);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddOnceInMemory();
            silo.Services.AddSampleDomains().AddAtLeastOnceAccounts().AddFaultyEntities().AddMeteredEntities();
            silo.Services.Configure<StreamConsumerOptions>(o => o.MaxAttempts = StreamMaxAttempts);
        });
        builder.ConfigureClient(client => client.AddOnceMemoryStreams());
        _cluster = builder.Build();
        await _cluster.DeployAsync();

        _app = await StartAppAsync(web => web.WebHost.UseTestServer());
        Client = _app.GetTestClient();
        // The same API behind Kestrel on a loopback port, for what only a real server does: framing,
        // path normalisation, its own refusals.
        _kestrel = await StartAppAsync(web => web.WebHost.UseUrls("http://127.0.0.1:0"));
        KestrelAddress = new Uri(_kestrel.Urls.First());
    }

    private async Task<WebApplication> StartAppAsync(Action<WebApplicationBuilder> server)
    {
        var web = WebApplication.CreateBuilder();
        server(web);
        web.Logging.SetMinimumLevel(LogLevel.Warning);
        web.Logging.AddProvider(Logs);
        web.Services.AddSingleton<IGrainFactory>(_cluster!.Client);
        web.Services.AddSingleton(_cluster.Client);
        web.Services.AddSingleton<EntityStreamPublisher>();
        // Like Once.Api: the front end carries no handlers; the silos check every message.
        web.Services.AddOnceHttp();
        web.Services.AddOnceHealth(new OnceOptions());
        web.Services.AddOnceMetrics();
        var app = web.Build();
        app.UseOnceHttp();
        app.MapOnceHealth();
        app.MapOnceMetrics();
        await app.StartAsync();
        return app;
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        foreach (var app in new[] { _app, _kestrel })
        {
            if (app is not null)
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }

        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
