using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Once.Client;
using Once.Hosting;
using Once.Samples;

namespace Once.Benchmarks;

/// <summary>
/// One silo and one cluster client in this process, each set up the way Once.Silo and Once.Api set
/// themselves up (<c>AddOnceSilo</c>, <c>AddOnceClient</c>, the sample domains): entity state,
/// reminders and the entity streams in PostgreSQL with the default stream settings, localhost
/// clustering on free ports. The client reaches the silo through its gateway, over TCP.
/// </summary>
internal sealed class BenchmarkCluster : IAsyncDisposable
{
    private readonly IHost _silo;
    private readonly IHost _client;

    private BenchmarkCluster(IHost silo, IHost client)
    {
        _silo = silo;
        _client = client;
    }

    public IClusterClient Client => _client.Services.GetRequiredService<IClusterClient>();

    public EntityStreamPublisher Publisher => _client.Services.GetRequiredService<EntityStreamPublisher>();

    public static async Task<BenchmarkCluster> StartAsync(string connectionString)
    {
        var ports = LocalPorts.Free(2);
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:" + OnceOptions.ConnectionStringName] = connectionString,
            ["Once:Storage"] = nameof(StorageKind.Postgres),
            ["Once:Clustering"] = nameof(ClusteringKind.Localhost),
            ["Once:ServiceId"] = "streams-benchmark",
            ["Once:ClusterId"] = "streams-benchmark",
            ["Once:SiloPort"] = ports[0].ToString(CultureInfo.InvariantCulture),
            ["Once:GatewayPort"] = ports[1].ToString(CultureInfo.InvariantCulture),
        };

        var silo = Build(settings, builder => builder.AddOnceSilo());
        await silo.StartAsync();
        var client = Build(settings, builder => builder.AddOnceClient());
        await client.StartAsync();
        return new BenchmarkCluster(silo, client);
    }

    public async ValueTask DisposeAsync()
    {
        await _client.StopAsync();
        _client.Dispose();
        await _silo.StopAsync();
        _silo.Dispose();
    }

    private static IHost Build(Dictionary<string, string?> settings, Action<HostApplicationBuilder> addOnce)
    {
        // No default sources: only these settings count, not the environment or an appsettings.json.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        addOnce(builder);
        builder.Services.AddSampleDomains();
        return builder.Build();
    }
}
