using System.Diagnostics;
using System.Globalization;

namespace Once.Http.Tests;

/// <summary>
/// Once.Api as it is deployed: its own process, a cluster client of <see cref="TcpCluster"/>, with
/// no handler assembly, with authentication on (<see cref="Key"/>). The errors it logs are recorded in
/// <see cref="CapturedLogs"/>.
/// </summary>
internal sealed class ApiProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ApiProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>The API key of the process: every scope.</summary>
    public const string Key = "http-contract-tests-key-0123";

    public static async Task<ApiProcess> StartAsync(TcpCluster cluster, CapturedLogs logs)
    {
        var port = TestPorts.Free();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Executable());
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{port}");
        start.Environment["Once__GatewayPort"] = cluster.GatewayPort.ToString(CultureInfo.InvariantCulture);
        start.Environment["Once__ServiceId"] = cluster.ServiceId;
        start.Environment["Once__ClusterId"] = cluster.ClusterId;
        start.Environment["Once__Auth__Mode"] = "ApiKey";
        start.Environment["Once__Auth__ApiKeys__tests__Key"] = Key;
        start.Environment["Once__Auth__ApiKeys__tests__Scopes"] = "send,read,admin,metrics";
        start.Environment.Remove("ONCE_POSTGRES");
        var process = Process.Start(start)!;
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        void Read(string? line)
        {
            if (line is null)
            {
                return;
            }

            output.Enqueue(line);
            // The console logger starts an entry of level Error or Critical with "fail:" or "crit:".
            if (line.StartsWith("fail:", StringComparison.Ordinal) || line.StartsWith("crit:", StringComparison.Ordinal))
            {
                logs.Record(line);
            }
        }

        process.OutputDataReceived += (_, e) => Read(e.Data);
        process.ErrorDataReceived += (_, e) => Read(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var api = new ApiProcess(process, new Uri($"http://127.0.0.1:{port}"));
        await api.WaitReadyAsync(() => string.Join(Environment.NewLine, output));
        return api;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private async Task WaitReadyAsync(Func<string> output)
    {
        using var http = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
        var elapsed = Stopwatch.StartNew();
        while (elapsed.Elapsed < TimeSpan.FromMinutes(1) && !_process.HasExited)
        {
            try
            {
                using var ready = await http.GetAsync(new Uri("/health/ready", UriKind.Relative));
                if (ready.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            await timer.WaitForNextTickAsync();
        }

        throw new InvalidOperationException("Once.Api did not get ready:" + Environment.NewLine + output());
    }

    /// <summary>Once.Api's build beside this test assembly's (same configuration).</summary>
    private static string Executable()
    {
        var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Cluster.sln")))
            {
                return Path.Combine(dir.FullName, "src", "Once.Api", "bin", configuration, "net10.0", "Once.Api.dll");
            }
        }

        throw new InvalidOperationException("Cluster.sln not found above " + AppContext.BaseDirectory);
    }
}
