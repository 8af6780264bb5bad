using System.Diagnostics;

namespace Once.Benchmarks;

/// <summary>
/// A closed loop: <c>inFlight</c> workers each send one message, wait for its answer and send the
/// next, for a fixed time. Every answer's latency is kept.
/// </summary>
internal static class ClosedLoop
{
    /// <param name="send">Sends message number <c>n</c> of worker <c>w</c> and returns how many messages it settled (a batch may settle several).</param>
    public static async Task<LoopResult> RunAsync(int inFlight, TimeSpan duration, Func<int, long, Task<int>> send)
    {
        var clock = Stopwatch.StartNew();
        var latencies = new List<double>[inFlight];
        var counts = new long[inFlight];
        var failures = new long[inFlight];
        var workers = Enumerable.Range(0, inFlight).Select(w => Task.Run(async () =>
        {
            var mine = latencies[w] = new List<double>(4096);
            for (long n = 0; clock.Elapsed < duration; n++)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    var settled = await send(w, n);
                    var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    for (var i = 0; i < settled; i++)
                    {
                        mine.Add(ms);
                    }

                    counts[w] += settled;
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    failures[w]++;
                    if (failures[w] == 1)
                    {
                        Console.Error.WriteLine($"worker {w}: {e.GetType().Name}: {e.Message}");
                    }
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);
        var elapsed = clock.Elapsed;
        return new LoopResult(counts.Sum(), failures.Sum(), elapsed, [.. latencies.SelectMany(l => l)]);
    }
}

/// <summary>What one closed-loop run settled, how many sends failed, in how long, and each message's latency in ms.</summary>
internal sealed record LoopResult(long Messages, long Failures, TimeSpan Elapsed, double[] LatenciesMs)
{
    public double Throughput => Messages / Elapsed.TotalSeconds;
}
