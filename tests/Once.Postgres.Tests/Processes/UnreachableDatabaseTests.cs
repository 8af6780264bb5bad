using System.Diagnostics;
using System.Net;
using System.Text;

namespace Once.Postgres.Tests.Processes;

/// <summary>A silo process whose database does not answer: clear messages, not ready, then a clean exit.</summary>
public sealed class UnreachableDatabaseTests
{
    [Fact]
    public async Task DatabaseDown_SiloWaits_LiveButNotReadyAndSaysWhyInOneLine()
    {
        var port = LocalCluster.FreePort();
        await using var silo = SiloProcess.Start(port, waitTimeout: "00:05:00");

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var live = await silo.PollAsync(() => StatusAsync(http, "/health/live"), status => status == HttpStatusCode.OK);
        var ready = await StatusAsync(http, "/health/ready");
        var said = await silo.WaitForOutputAsync("is unreachable");

        Assert.Equal(HttpStatusCode.OK, live);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready);
        Assert.Contains("PostgreSQL at 127.0.0.1:1/once is unreachable", said, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", said, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DatabaseDown_WaitTimeoutPasses_ExitsWithCodeAndClearMessage()
    {
        await using var silo = SiloProcess.Start(LocalCluster.FreePort(), waitTimeout: "00:00:02");

        var exitCode = await silo.WaitForExitAsync();

        Assert.Equal(3, exitCode);
        Assert.Contains("Once cannot start: PostgreSQL at 127.0.0.1:1/once is unreachable", silo.Output, StringComparison.Ordinal);
    }

    private static async Task<HttpStatusCode?> StatusAsync(HttpClient http, string path)
    {
        try
        {
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>A Once.Silo process pointed at a port where no database listens.</summary>
    private sealed class SiloProcess : IAsyncDisposable
    {
        private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        private SiloProcess(Process process)
        {
            _process = process;
            process.OutputDataReceived += (_, e) => Append(e.Data);
            process.ErrorDataReceived += (_, e) => Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public static SiloProcess Start(int httpPort, string waitTimeout)
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(Repository.Executable("Once.Silo"));
            start.ArgumentList.Add("--urls");
            start.ArgumentList.Add($"http://127.0.0.1:{httpPort}");
            start.Environment["Once__Storage"] = "Postgres";
            start.Environment["Once__Clustering"] = "Postgres";
            start.Environment["Once__DatabaseWaitTimeout"] = waitTimeout;
            start.Environment["Once__SiloPort"] = LocalCluster.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
            start.Environment["Once__GatewayPort"] = LocalCluster.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
            start.Environment["ONCE_POSTGRES"] = "Host=127.0.0.1;Port=1;Database=once;Username=once";
            return new SiloProcess(Process.Start(start)!);
        }

        public async Task<T> PollAsync<T>(Func<Task<T>> probe, Func<T, bool> done)
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                var value = await probe();
                if (done(value) || deadline.Elapsed > Deadline || _process.HasExited)
                {
                    return value;
                }

                await timer.WaitForNextTickAsync();
            }
        }

        public Task<string> WaitForOutputAsync(string text) =>
            PollAsync(() => Task.FromResult(Output), output => output.Contains(text, StringComparison.Ordinal));

        public async Task<int> WaitForExitAsync()
        {
            using var timeout = new CancellationTokenSource(Deadline);
            await _process.WaitForExitAsync(timeout.Token);
            return _process.ExitCode;
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

        private void Append(string? line)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
