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
/// With <c>ONCE_HTTP_API=process</c> (a second pass of these tests in CI), <see cref="Client"/> and
/// <see cref="KestrelAddress"/> are a real Once.Api process instead, a cluster client of these silos
/// with no handler assembly: the whole HTTP contract then runs against the API as it is deployed.
/// </summary>
public sealed class OnceHttpFixture : IAsyncLifetime
{
    /// <summary>Failed stream deliveries of one message before it is dead-lettered (small, so poison tests are quick).</summary>
    public const int StreamMaxAttempts = 3;

    private InProcessTestCluster? _cluster;
    private WebApplication? _app;
    private WebApplication? _kestrel;
    private ApiProcess? _process;
    private TcpCluster? _tcp;

    /// <summary>
    /// The key every request of the tests sends to the API process, which runs with
    /// <c>Once:Auth:Mode=ApiKey</c> (a key with every scope): the contract holds with authentication on.
    /// Null in process, where the API is open.
    /// </summary>
    public static string? ApiKey => AgainstApiProcess ? ApiProcess.Key : null;

    /// <summary>Whether this run tests a real Once.Api process (<c>ONCE_HTTP_API=process</c>).</summary>
    public static bool AgainstApiProcess => Environment.GetEnvironmentVariable("ONCE_HTTP_API") == "process";

    /// <summary>The API under test: in this process, or the Once.Api process.</summary>
    public HttpClient Client { get; private set; } = null!;

    /// <summary>
    /// The API in this process, which also serves the silos' counters on <c>/metrics</c> (OpenTelemetry
    /// listens to the meter across the process; a silo process serves its own).
    /// </summary>
    public HttpClient InProcessClient { get; private set; } = null!;

    /// <summary>The cluster client the API instances use (memory streams over 8 partitions, like the silos).</summary>
    public IClusterClient ClusterClient => _tcp?.Client ?? _cluster?.Client ?? throw new InvalidOperationException("Not started.");

    /// <summary>Where the Kestrel instance of the API listens, e.g. http://127.0.0.1:41234.</summary>
    public Uri KestrelAddress { get; private set; } = null!;

    /// <summary>The API with authentication on, by API key and by JWT, in front of the same silos.</summary>
    public AuthFixture Auth { get; private set; } = null!;

    /// <summary>Error lines both API instances logged (warnings and above).</summary>
    public CapturedLogs Logs { get; } = new();

    public async Task InitializeAsync()
    {
        if (AgainstApiProcess)
        {
            _tcp = await TcpCluster.StartAsync(2, ConfigureSilo);
        }
        else
        {
            var builder = new InProcessTestClusterBuilder(2);
            builder.Options.ConfigureFileLogging = false;
            builder.ConfigureSilo((_, silo) => ConfigureSilo(silo));
            builder.ConfigureClient(client => client.AddOnceMemoryStreams().AddActivityPropagation());
            _cluster = builder.Build();
            await _cluster.DeployAsync();
        }

        Auth = new AuthFixture(ClusterClient);
        await Auth.StartAsync();
        _app = await StartAppAsync(web => web.WebHost.UseTestServer());
        InProcessClient = _app.GetTestClient();
        if (AgainstApiProcess)
        {
            _process = await ApiProcess.StartAsync(_tcp!, Logs);
            // Header values as the test server takes them: a non-ASCII Idempotency-Key goes out as UTF-8
            // bytes (for the API to refuse) instead of being refused by this client first.
            Client = new HttpClient(new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => System.Text.Encoding.UTF8 })
            {
                BaseAddress = _process.Address,
                DefaultRequestHeaders = { { "X-Api-Key", ApiProcess.Key } },
            };
            KestrelAddress = _process.Address;
            return;
        }

        Client = InProcessClient;
        // The same API behind Kestrel on a loopback port, for what only a real server does: framing,
        // path normalisation, its own refusals.
        _kestrel = await StartAppAsync(web => web.WebHost.UseUrls("http://127.0.0.1:0"));
        KestrelAddress = new Uri(_kestrel.Urls.First());
    }

    private static void ConfigureSilo(ISiloBuilder silo)
    {
        silo.AddOnceInMemory();
        silo.Services.AddSampleDomains().AddAtLeastOnceAccounts().AddFaultyEntities().AddMeteredEntities();
        silo.Services.Configure<StreamConsumerOptions>(o => o.MaxAttempts = StreamMaxAttempts);
        silo.Services.Configure<WebhookOptions>(WebhookReceiver.AllowLocal);
    }

    /// <summary>An instance of the API in front of the cluster; <paramref name="server"/> picks its server and may add services.</summary>
    internal async Task<WebApplication> StartAppAsync(Action<WebApplicationBuilder> server)
    {
        var web = WebApplication.CreateBuilder();
        server(web);
        web.Logging.SetMinimumLevel(LogLevel.Warning);
        web.Logging.AddProvider(Logs);
        web.Services.AddSingleton<IGrainFactory>(ClusterClient);
        web.Services.AddSingleton(ClusterClient);
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
        if (Auth is not null)
        {
            await Auth.DisposeAsync();
        }

        Client?.Dispose();
        InProcessClient?.Dispose();
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

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

        if (_tcp is not null)
        {
            await _tcp.DisposeAsync();
        }
    }
}
