using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Once.Postgres.Tests.Processes;

/// <summary>
/// Drives <c>deploy/local-cluster.sh</c>: three Once.Silo processes and one Once.Api process on
/// loopback ports, against a database of the test's PostgreSQL. Disposing stops them all.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    private readonly Dictionary<string, string> _environment;
    private readonly string _script;

    private LocalCluster(string script, Dictionary<string, string> environment, Uri api)
    {
        _script = script;
        _environment = environment;
        Api = api;
    }

    public Uri Api { get; }

    public string LogDirectory => _environment["ONCE_CLUSTER_DIR"];

    /// <summary>Starts the cluster; <paramref name="settings"/> are extra environment variables for every process.</summary>
    public static async Task<LocalCluster> StartAsync(string connectionString, IReadOnlyDictionary<string, string>? settings = null)
    {
        var apiPort = FreePort();
        var environment = new Dictionary<string, string>
        {
            ["ONCE_CLUSTER_DIR"] = Directory.CreateTempSubdirectory("once-cluster-").FullName,
            ["ONCE_POSTGRES"] = connectionString,
            ["ONCE_BUILD"] = "0",
            ["ONCE_CONFIGURATION"] = Repository.Configuration,
            ["ONCE_API_PORT"] = apiPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ONCE_SILO_PORT_BASE"] = FreeRangeBase(),
            ["ONCE_GATEWAY_PORT_BASE"] = FreeRangeBase(),
            ["ONCE_HEALTH_PORT_BASE"] = FreeRangeBase(),
            ["ONCE_API_KEY"] = ApiKey,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        var cluster = new LocalCluster(Path.Combine(Repository.Root, "deploy", "local-cluster.sh"), environment, new Uri($"http://127.0.0.1:{apiPort}"));
        await cluster.RunAsync("start");
        return cluster;
    }

    /// <summary>The key the API of every test cluster takes (the script's development key, with every scope).</summary>
    public const string ApiKey = "process-tests-key-0123456789";

    /// <summary>A client of the API that sends the cluster's key.</summary>
    public HttpClient CreateApiClient(TimeSpan timeout)
    {
        var http = new HttpClient { BaseAddress = Api, Timeout = timeout };
        http.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        return http;
    }

    /// <summary>SIGTERM one silo process and wait until it has shut down.</summary>
    public Task StopSiloAsync(int silo) => RunAsync("stop-silo", silo.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>SIGKILL one silo process: a crash, not a shutdown.</summary>
    public Task KillSiloAsync(int silo) => RunAsync("kill-silo", silo.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public Task StartSiloAsync(int silo) => RunAsync("start-silo", silo.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>SIGSTOP one silo process: it stops answering, its sockets stay open.</summary>
    public Task FreezeSiloAsync(int silo) => RunAsync("freeze-silo", silo.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public Task ThawSiloAsync(int silo) => RunAsync("thaw-silo", silo.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Whether the silo's process still exists (the script keeps its pid).</summary>
    public bool IsSiloRunning(int silo)
    {
        var pidFile = Path.Combine(LogDirectory, $"silo{silo}.pid");
        if (!File.Exists(pidFile))
        {
            return false;
        }

        try
        {
            using var process = Process.GetProcessById(int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture));
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Whether the membership table holds the silo's latest generation as dead (status 6).</summary>
    public async Task<bool> IsSiloDeclaredDeadAsync(int silo)
    {
        await using var connection = new Npgsql.NpgsqlConnection(_environment["ONCE_POSTGRES"]);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "SELECT status FROM once_membership WHERE port = $1 ORDER BY generation DESC LIMIT 1", connection);
        command.Parameters.Add(new Npgsql.NpgsqlParameter<int> { TypedValue = SiloPort(silo) });
        return await command.ExecuteScalarAsync() is 6;
    }

    private int SiloPort(int silo) => int.Parse(_environment["ONCE_SILO_PORT_BASE"], System.Globalization.CultureInfo.InvariantCulture) + silo;

    public async ValueTask DisposeAsync() => await RunAsync("stop");

    private async Task RunAsync(params string[] arguments)
    {
        var (exitCode, output) = await ScriptAsync(arguments);
        if (exitCode != 0)
        {
            throw new InvalidOperationException(
                $"local-cluster.sh {string.Join(' ', arguments)} failed ({exitCode}): {output} (logs in {LogDirectory})");
        }
    }

    /// <summary>Runs the script with this cluster's settings: its exit code and everything it printed.</summary>
    public async Task<(int ExitCode, string Output)> ScriptAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(_script) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in _environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await error + await output);
    }

    /// <summary>A free listening port (<see cref="TestPorts"/>).</summary>
    internal static int FreePort() => TestPorts.Free();

    /// <summary>A base port whose next three ports are free (the script uses base+1..base+3).</summary>
    private static string FreeRangeBase() => (TestPorts.FreeRange(3) - 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
