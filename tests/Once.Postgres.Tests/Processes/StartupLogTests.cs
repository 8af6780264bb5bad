using System.Diagnostics;
using System.Text;

namespace Once.Postgres.Tests.Processes;

/// <summary>
/// What an operator reads when a process starts: a bad setting is one clear message (no stack
/// trace), and a good start logs no warnings or failures but the ones it means (with memory storage:
/// "NOT durable"; the development server's open API), also while readiness probes ask before it is ready.
/// </summary>
// In the PostgreSQL collection so these processes never start beside a test cluster.
[Collection(PostgresCollection.Name)]
public sealed class StartupLogTests
{
    /// <summary>The warnings each process means: memory storage is not durable; the development server's API is open.</summary>
    public static TheoryData<string, string[]> Meant => new()
    {
        { "Once.Silo", ["warn: Once.Hosting.OnceHostingExtensions.NotDurableWarning"] },
        { "Once.Server", ["warn: Once.Hosting.OnceHostingExtensions.NotDurableWarning", "warn: Once.Http.OnceAuthExtensions.OpenAccessWarning"] },
    };

    [Theory]
    [MemberData(nameof(Meant))]
    public async Task Start_ProbedUntilReady_NoWarningsButTheMeantOnes(string project, string[] meant)
    {
        var port = LocalCluster.FreePort();
        var gateway = LocalCluster.FreePort();
        var silo = LocalCluster.FreePort();
        var output = new StringBuilder();
        using var process = Start(project, output, "--urls", $"http://127.0.0.1:{port}", $"--Once:GatewayPort={gateway}", $"--Once:SiloPort={silo}");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var ready = Stopwatch.StartNew();
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        // Probe from the first moment, as an orchestrator does: the early "not ready" answers must not be logged as failures.
        while (!await IsReadyAsync(http, port))
        {
            Assert.True(ready.Elapsed < TimeSpan.FromSeconds(60), $"{project} not ready after 60 s: {output}");
            Assert.False(process.HasExited, $"{project} exited: {output}");
            await poll.WaitForNextTickAsync();
        }

        await StopAsync(process);

        var complaints = Lines(output).Where(l => l.StartsWith("warn:", StringComparison.Ordinal) || l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("crit:", StringComparison.Ordinal)).ToList();
        var kinds = complaints.Select(l => l.Split('[')[0]).Distinct().Order(StringComparer.Ordinal).ToList();
        // The whole log with a failure: the console logger writes a message on the lines after its category.
        Assert.True(meant.Order(StringComparer.Ordinal).SequenceEqual(kinds), $"{project} logged [{string.Join(", ", kinds)}], meant only [{string.Join(", ", meant)}]:\n{string.Join('\n', Lines(output))}");
    }

    [Theory]
    [InlineData("--Once:Guarantees:widgets=AtLeastOnce", "Once:Guarantees")]
    [InlineData("--Once:Ledger:MaxFutureSkew=2.00:00:00", "Once:Ledger:MaxFutureSkew")]
    [InlineData("--Once:Storag=Postgres", "Storag")]
    public async Task Start_BadSetting_OneClearMessageNoStackTrace_Exit2(string setting, string named)
    {
        var output = new StringBuilder();
        using var process = Start("Once.Silo", output, setting, "--urls", $"http://127.0.0.1:{LocalCluster.FreePort()}");
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        await process.WaitForExitAsync(deadline.Token);
        process.WaitForExit();

        var text = output.ToString();
        Assert.Equal(2, process.ExitCode);
        Assert.Contains("Once cannot start, the configuration is invalid:", text, StringComparison.Ordinal);
        Assert.Contains(named, text, StringComparison.Ordinal);
        Assert.DoesNotContain(Lines(output), l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
        Assert.DoesNotContain("Hosting failed to start", text, StringComparison.Ordinal);
    }

    internal static Process Start(string project, StringBuilder output, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Repository.Executable(project));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Remove("ONCE_POSTGRES");
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }

    private static string[] Lines(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString().Split('\n', StringSplitOptions.TrimEntries);
        }
    }

    internal static async Task<bool> IsReadyAsync(HttpClient http, int port)
    {
        try
        {
            using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/health/ready"));
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>SIGTERM, as an orchestrator stops a process, so it flushes its log.</summary>
    internal static async Task StopAsync(Process process)
    {
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(deadline.Token);
        process.WaitForExit();
    }
}
