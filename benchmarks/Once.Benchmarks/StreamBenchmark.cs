using System.Diagnostics;

namespace Once.Benchmarks;

/// <summary>
/// <c>--streams</c>: latency and throughput of a direct call (A) against the durable stream (B) on
/// PostgreSQL, A and B interleaved in rounds within one run; writes a markdown report and prints it.
/// </summary>
internal static class StreamBenchmark
{
    public const string Option = "--streams";

    public static async Task<int> RunAsync(string[] args)
    {
        StreamBenchmarkSettings settings;
        try
        {
            settings = StreamBenchmarkSettings.Parse(args);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync(e.Message + Environment.NewLine + StreamBenchmarkSettings.Usage);
            return 2;
        }

        var loadBefore = MachineInfo.LoadAverage();
        // Read before the run: the work tree may change while it runs, the build it measures does not.
        var commit = MachineInfo.Commit();
        var clock = Stopwatch.StartNew();
        Console.WriteLine("streams: starting PostgreSQL, a silo and a client");
        await using var database = await BenchmarkDatabase.CreateAsync();
        await using var cluster = await BenchmarkCluster.StartAsync(database.ConnectionString);
        var runner = new StreamRunner(cluster.Client, cluster.Publisher, TimeProvider.System);

        Console.WriteLine("streams: warm-up round (not counted)");
        await RunRoundAsync(runner, settings, "warm", Math.Min(settings.PacedMessages, 10), Math.Min(settings.Messages, 50), Math.Min(settings.ConcurrentMessages, 100));
        var rounds = new List<StreamRound>();
        for (var i = 1; i <= settings.Rounds; i++)
        {
            var round = await RunRoundAsync(runner, settings, $"r{i}", settings.PacedMessages, settings.Messages, settings.ConcurrentMessages);
            rounds.Add(round);
            Console.WriteLine(
                $"streams: round {i}/{settings.Rounds}: median ms A {Distribution.Of(round.DirectSequential.LatenciesMs).Median:0.0} B {Distribution.Of(round.StreamPaced.LatenciesMs).Median:0.0}; " +
                $"msg/s 1 producer A {round.DirectSequential.Throughput:0} B {round.StreamSequential.Throughput:0}, " +
                $"{settings.Producers} producers A {round.DirectConcurrent.Throughput:0} B {round.StreamConcurrent.Throughput:0}");
        }

        var server = $"{database.ServerVersion}, synchronous_commit={database.SynchronousCommit}, {database.Origin}";
        var report = new StreamReport(
            settings,
            "dotnet run -c Release --project benchmarks/Once.Benchmarks -- " + string.Join(' ', args),
            commit,
            server,
            MachineInfo.Describe(),
            loadBefore,
            MachineInfo.LoadAverage(),
            clock.Elapsed,
            rounds).ToMarkdown();
        var results = Path.Combine(Directory.GetCurrentDirectory(), "BenchmarkDotNet.Artifacts", "results");
        Directory.CreateDirectory(results);
        var reportPath = Path.Combine(results, "streams.md");
        await File.WriteAllTextAsync(reportPath, report);
        Console.WriteLine(report);
        Console.WriteLine($"Written to {reportPath}");
        return 0;
    }

    /// <summary>B A B A B: every A has the B it is compared with right before or after it.</summary>
    private static async Task<StreamRound> RunRoundAsync(
        StreamRunner runner, StreamBenchmarkSettings settings, string name, int pacedMessages, int messages, int concurrentMessages)
    {
        var producers = settings.Producers;
        return new StreamRound(
            await runner.StreamPacedAsync($"{name}-bp", settings.Entities, pacedMessages),
            await runner.DirectAsync($"{name}-a1", 1, settings.Entities, messages),
            await runner.StreamAsync($"{name}-b1", 1, settings.Entities, messages),
            await runner.DirectAsync($"{name}-a{producers}", producers, settings.Entities, concurrentMessages),
            await runner.StreamAsync($"{name}-b{producers}", producers, settings.Entities, concurrentMessages));
    }
}
