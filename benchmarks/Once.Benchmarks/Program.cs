using BenchmarkDotNet.Running;

namespace Once.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project benchmarks/Once.Benchmarks -- --filter '*'</c> runs every
/// benchmark; <c>-- --ledger-size</c> only measures bytes per remembered id. Every run starts with the
/// ledger-size measurement and writes it next to BenchmarkDotNet's reports. <c>-- --streams</c> runs
/// only the stream benchmark (a silo on PostgreSQL, direct call against durable stream); see
/// <see cref="StreamBenchmark"/>. <c>-- --throughput</c> compares Once with the classic idempotent
/// consumer on PostgreSQL (<see cref="ThroughputBenchmark"/>). <c>-- --availability</c> measures what
/// callers see during faults (<see cref="AvailabilityBenchmark"/>).
/// </summary>
internal static class Program
{
    private const string LedgerSizeOnly = "--ledger-size";

    private static async Task<int> Main(string[] args)
    {
        if (args.FirstOrDefault() == SiloProcess.Option)
        {
            return await SiloProcess.RunAsync(args[1..]);
        }

        if (args.Contains(ThroughputBenchmark.Option))
        {
            return await ThroughputBenchmark.RunAsync(args);
        }

        if (args.Contains(AvailabilityBenchmark.Option))
        {
            return await AvailabilityBenchmark.RunAsync(args);
        }

        if (args.Contains(StreamBenchmark.Option))
        {
            return await StreamBenchmark.RunAsync(args);
        }

        var results = Path.Combine(Directory.GetCurrentDirectory(), "BenchmarkDotNet.Artifacts", "results");
        var report = LedgerSize.Measure().ToMarkdown();
        Directory.CreateDirectory(results);
        var reportPath = Path.Combine(results, "ledger-size.md");
        await File.WriteAllTextAsync(reportPath, report);
        Console.WriteLine(report);
        Console.WriteLine($"Written to {reportPath}");
        if (args.Contains(LedgerSizeOnly))
        {
            return 0;
        }

        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, BenchmarkConfig.Create());
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}
