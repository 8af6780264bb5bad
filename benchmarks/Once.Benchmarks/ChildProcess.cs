using System.Diagnostics;

namespace Once.Benchmarks;

/// <summary>A process the benchmark starts: its output goes to a log file, and it counts as started once its /health/ready answers 200.</summary>
internal static class ChildProcess
{
    /// <param name="name">Names the process in errors, e.g. "A silo".</param>
    public static async Task<Process> StartAsync(ProcessStartInfo start, string log, Uri ready, string name)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        var process = Process.Start(start)!;
        var writer = new StreamWriter(log, append: false) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (writer) { writer.WriteLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (writer) { writer.WriteLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            await WaitReadyAsync(process, log, ready, name);
            return process;
        }
        catch
        {
            Stop([process]);
            throw;
        }
    }

    public static void Stop(IEnumerable<Process> processes)
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

    private static async Task WaitReadyAsync(Process process, string log, Uri ready, string name)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{name} exited at start ({process.ExitCode}); see {log}");
            }

            try
            {
                using var answer = await http.GetAsync(ready);
                if (answer.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            if (deadline.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new InvalidOperationException($"{name} was not ready after 2 minutes; see {log}");
            }

            await Task.Delay(250);
        }
    }
}
