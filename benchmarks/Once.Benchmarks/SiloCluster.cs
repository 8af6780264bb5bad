using System.Diagnostics;
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
/// Three silo processes (<see cref="SiloProcess"/>) clustered through the PostgreSQL membership table,
/// with entity state in the native store, and an Orleans client in this process that finds their
/// gateways the same way. Server GC, as an ASP.NET Core host such as <c>Once.Silo</c> gets it.
/// </summary>
internal sealed class SiloCluster : IAsyncDisposable
{
    private readonly List<Process> _silos;
    private readonly IHost _client;

    private SiloCluster(List<Process> silos, IHost client, string serviceId, string clusterId)
    {
        _silos = silos;
        _client = client;
        ServiceId = serviceId;
        ClusterId = clusterId;
    }

    public IClusterClient Client => _client.Services.GetRequiredService<IClusterClient>();

    public IReadOnlyList<int> SiloPids => [.. _silos.Select(p => p.Id)];

    /// <summary>The Orleans service and cluster ids, for another client of these silos (<see cref="ApiProcess"/>).</summary>
    public string ServiceId { get; }

    public string ClusterId { get; }

    public static async Task<SiloCluster> StartAsync(
        string connectionString, string logDirectory, int silos, IReadOnlyDictionary<string, string> siloEnvironment, string serviceId = "throughput")
    {
        Directory.CreateDirectory(logDirectory);
        var clusterId = "bench-" + Guid.NewGuid().ToString("N")[..8];
        var ports = LocalPorts.Free(3 * silos);
        var processes = new List<Process>();
        try
        {
            for (var i = 0; i < silos; i++)
            {
                processes.Add(await StartSiloAsync(
                    connectionString, serviceId, clusterId, ports[i], ports[silos + i], ports[(2 * silos) + i], Path.Combine(logDirectory, $"{serviceId}-silo{i + 1}.log"), siloEnvironment));
            }

            var settings = new Dictionary<string, string?>
            {
                ["ConnectionStrings:" + OnceOptions.ConnectionStringName] = connectionString,
                ["Once:Clustering"] = nameof(ClusteringKind.Postgres),
                ["Once:Storage"] = nameof(StorageKind.Postgres),
                ["Once:ServiceId"] = serviceId,
                ["Once:ClusterId"] = clusterId,
            };
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
            builder.AddOnceClient();
            builder.Services.AddSampleDomains();
            var client = builder.Build();
            await client.StartAsync();
            return new SiloCluster(processes, client, serviceId, clusterId);
        }
        catch
        {
            ChildProcess.Stop(processes);
            throw;
        }
    }

    private bool _disposed;

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _client.StopAsync();
        _client.Dispose();
        ChildProcess.Stop(_silos);
    }

    private static async Task<Process> StartSiloAsync(
        string connectionString, string serviceId, string clusterId, int siloPort, int gatewayPort, int healthPort, string log, IReadOnlyDictionary<string, string> extra)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!);
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            // Started as `dotnet Once.Benchmarks.dll`, not through the app host.
            start.ArgumentList.Add(typeof(SiloCluster).Assembly.Location);
        }

        start.ArgumentList.Add(SiloProcess.Option);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{healthPort}");
        var environment = new Dictionary<string, string>
        {
            ["Once__Storage"] = nameof(StorageKind.Postgres),
            ["Once__Clustering"] = nameof(ClusteringKind.Postgres),
            ["Once__ServiceId"] = serviceId,
            ["Once__ClusterId"] = clusterId,
            ["Once__AdvertisedHost"] = "127.0.0.1",
            ["Once__SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture),
            ["Once__GatewayPort"] = gatewayPort.ToString(CultureInfo.InvariantCulture),
            [OnceOptions.ConnectionStringVariable] = connectionString,
            ["Logging__LogLevel__Default"] = "Warning",
            ["DOTNET_gcServer"] = "1",
            // What Once.Silo's runtimeconfig sets (its csproj); a --variant may set it otherwise.
            ["DOTNET_ThreadPool_UnfairSemaphoreSpinLimit"] = "0",
        };
        foreach (var (key, value) in extra)
        {
            environment[key] = value;
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return await ChildProcess.StartAsync(start, log, new Uri($"http://127.0.0.1:{healthPort}/health/ready"), "A silo");
    }
}
