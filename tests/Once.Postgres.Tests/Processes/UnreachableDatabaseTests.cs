using System.Diagnostics;
using System.Net;

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
    private sealed class SiloProcess(ChildProcess process) : IAsyncDisposable
    {
        private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

        public string Output => process.Output;

        public static SiloProcess Start(int httpPort, string waitTimeout) =>
            new(ChildProcess.Start("dotnet", [Repository.Executable("Once.Silo"), "--urls", $"http://127.0.0.1:{httpPort}"], environment: new Dictionary<string, string>
            {
                ["Once__Storage"] = "Postgres",
                ["Once__Clustering"] = "Postgres",
                ["Once__DatabaseWaitTimeout"] = waitTimeout,
                ["Once__SiloPort"] = LocalCluster.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Once__GatewayPort"] = LocalCluster.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["ONCE_POSTGRES"] = "Host=127.0.0.1;Port=1;Database=once;Username=once",
            }));

        public async Task<T> PollAsync<T>(Func<Task<T>> probe, Func<T, bool> done)
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                var value = await probe();
                if (done(value) || deadline.Elapsed > Deadline || process.HasExited)
                {
                    return value;
                }

                await timer.WaitForNextTickAsync();
            }
        }

        public Task<string> WaitForOutputAsync(string text) =>
            PollAsync(() => Task.FromResult(Output), output => output.Contains(text, StringComparison.Ordinal));

        public Task<int> WaitForExitAsync() => process.WaitForExitAsync(Deadline);

        public ValueTask DisposeAsync() => process.DisposeAsync();
    }
}
