using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
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

    public HttpClient Client { get; private set; } = null!;

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

        var web = WebApplication.CreateBuilder();
        web.WebHost.UseTestServer();
        web.Logging.SetMinimumLevel(LogLevel.Warning);
        web.Services.AddSingleton<IGrainFactory>(_cluster.Client);
        web.Services.AddSingleton(_cluster.Client);
        web.Services.AddSingleton<EntityStreamPublisher>();
        web.Services.AddSampleDomains().AddAtLeastOnceAccounts().AddFaultyEntities().AddMeteredEntities();
        web.Services.AddOnceHttp();
        web.Services.AddOnceHealth(new OnceOptions());
        web.Services.AddOnceMetrics();
        _app = web.Build();
        _app.UseOnceHttp();
        _app.MapOnceHealth();
        _app.MapOnceMetrics();
        await _app.StartAsync();
        Client = _app.GetTestClient();
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
