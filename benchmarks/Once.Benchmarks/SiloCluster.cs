using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
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

    private SiloCluster(List<Process> silos, IHost client)
    {
        _silos = silos;
        _client = client;
    }

    public IClusterClient Client => _client.Services.GetRequiredService<IClusterClient>();

    public IReadOnlyList<int> SiloPids => [.. _silos.Select(p => p.Id)];

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
            return new SiloCluster(processes, client);
        }
        catch
        {
            Stop(processes);
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
        Stop(_silos);
    }

    private static async Task<Process> StartSiloAsync(
        string connectionString, string serviceId, string clusterId, int siloPort, int gatewayPort, int healthPort, string log, IReadOnlyDictionary<string, string> extra)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardError = true };
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
        };
        foreach (var (key, value) in extra)
        {
            environment[key] = value;
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        var writer = new StreamWriter(log, append: false) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (writer) { writer.WriteLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (writer) { writer.WriteLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"A silo exited at start ({process.ExitCode}); see {log}");
            }

            try
            {
                using var ready = await http.GetAsync(new Uri($"http://127.0.0.1:{healthPort}/health/ready"));
                if (ready.IsSuccessStatusCode)
                {
                    return process;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            if (deadline.Elapsed > TimeSpan.FromMinutes(2))
            {
                process.Kill();
                throw new InvalidOperationException($"A silo was not ready after 2 minutes; see {log}");
            }

            await Task.Delay(250);
        }
    }

    private static void Stop(List<Process> processes)
    {
        foreach (var process in processes)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }

            process.Dispose();
        }
    }
}
