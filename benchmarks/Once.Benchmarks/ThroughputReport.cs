using System.Globalization;
using System.Text;
using Once.Core;

namespace Once.Benchmarks;

/// <summary>The markdown report of one <c>--throughput</c> run, with the ratios against the targets of PERFORMANCE.md.</summary>
internal sealed record ThroughputReport(
    ThroughputSettings Settings,
    string Command,
    string Commit,
    string Database,
    string Machine,
    string LoadBefore,
    string LoadAfter,
    TimeSpan Duration,
    IReadOnlyList<Cell> Cells,
    IReadOnlyDictionary<string, List<CellMeasurement>> Results,
    IdleMeasurement Idle,
    IdleComparison? VariantIdle = null,
    TimeSpan HttpWarmUp = default)
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public string ToMarkdown()
    {
        var text = new StringBuilder();
        var f = Settings.FocusInFlight;
        text.AppendLine("## Throughput: Once against the classic idempotent consumer on PostgreSQL");
        text.AppendLine();
        text.AppendLine(C, $"- Command: `{Command}`, built from commit {Commit}");
        text.AppendLine(C, $"- Run: {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, {Duration.TotalMinutes:0.0} min; {Machine}; load average {LoadBefore} before, {LoadAfter} after.");
        text.AppendLine(C, $"- PostgreSQL {Database}. Everything (PostgreSQL, {Settings.Silos} silo processes, one Once.Api process, the load generator) shares this machine.");
        text.AppendLine(C, $"- {Settings.Rounds} rounds of {Settings.Duration.TotalSeconds:0} s per cell after a {ThroughputBenchmark.WarmUp.TotalSeconds:0} s warm-up of each; the cell order rotates every round.");
        text.AppendLine(C, $"  The Once.Api process serves only `once-http` cells: the first of them warmed it until its tiered compiler used under {ThroughputBenchmark.JitQuiet * 1000:0} ms of CPU a second ({HttpWarmUp.TotalSeconds:0} s), each other one {ThroughputBenchmark.HttpWarmUp.TotalSeconds:0} s or more.");
        text.AppendLine(C, $"  Deposits of 1 to {Settings.Keys} keys chosen uniformly, unique ids, closed loop (each of N workers waits for its answer).");
        text.AppendLine(C, $"- Contenders: `classic` is one transaction per message (insert the id ON CONFLICT DO NOTHING, upsert the account if new;");
        text.AppendLine("  plain Npgsql, prepared, one connection per worker); `classic10` is the same SQL with 10 messages per transaction;");
        text.AppendLine("  `once` is Once exactly-once and `once-alo` Once at-least-once through the Orleans client, entity state in the native store;");
        text.AppendLine("  `once-http` is Once exactly-once over HTTP: each message a `POST /v1/entities/accounts/{id}/messages` with its id as");
        text.AppendLine("  `Idempotency-Key` to one Once.Api process (an Orleans client of the same silos), HTTP/1.1 with a connection per worker;");
        text.AppendLine("  an answer other than 2xx counts as failed. Its keys are its own (`h-`), activated by the API's client as `once` keys");
        text.AppendLine("  are by the benchmark's: each client sends all calls for a key through one gateway, the silo it activated on.");
        text.AppendLine(C, $"- `steady`: every key already holds {Settings.SteadyIds} retained ids (the classic consumer's id table holds the same {Settings.Keys * Settings.SteadyIds:N0} ids");
        text.AppendLine("  from the start, so every classic figure is at its steady-state size). `dup50`: half the messages are redeliveries of");
        text.AppendLine("  one of the worker's last 64. `hot`: 10% of the messages go to one key.");
        if (Settings.Variant is { } variant)
        {
            text.AppendLine(C, $"- `variant`: a second cluster of {Settings.Silos} silos started with `{variant}`, idle while the first runs and the other way round.");
        }
        text.AppendLine();
        text.AppendLine("msg/s: median of the rounds (lowest - highest). Latency: all rounds pooled. WAL and CPU: median of the rounds, per message;");
        text.AppendLine("CPU is PostgreSQL / silos (+ the Once.Api process for `once-http` cells; it idles, uncounted, during the others) / load generator, in microseconds.");
        text.AppendLine();
        text.AppendLine("| Cell | In flight | msg/s | p50 ms | p99 ms | WAL bytes/msg | Msg/commit | CPU µs/msg (PG / silos (+ API) / load = total) | Ledger reads/msg | Failed |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |");
        foreach (var cell in Cells)
        {
            var runs = Results[cell.Name];
            var throughput = runs.Select(r => r.Loop.Throughput).ToArray();
            var latency = Distribution.Of(runs.SelectMany(r => r.Loop.LatenciesMs).DefaultIfEmpty(double.NaN));
            double Per(Func<CellMeasurement, double> pick) => Median(runs.Select(pick));
            double Cpu(Func<CellMeasurement, double> seconds) => Per(r => 1_000_000 * seconds(r) / Math.Max(1, r.Loop.Messages));
            var api = cell.Contender == Contender.ExactlyOnceHttp ? string.Create(C, $" + {Cpu(r => r.ApiCpuSeconds):0}") : "";
            text.AppendLine(C,
                $"| {cell.Name} | {cell.InFlight} | {Median(throughput):0} ({throughput.Min():0} - {throughput.Max():0}) | {latency.Median:0.0} | {latency.P99:0.0} " +
                $"| {Per(r => r.WalPerMessage):0} | {Per(r => r.MessagesPerCommit):0.0} | {Cpu(r => r.ServerCpuSeconds):0} / {Cpu(r => r.SiloCpuSeconds):0}{api} / {Cpu(r => r.LoadCpuSeconds):0} = {1000 * Per(r => r.CpuMsPerMessage):0} " +
                $"| {(cell.Contender is Contender.ExactlyOnce or Contender.ExactlyOnceHttp ? Per(r => r.LedgerScansPerMessage).ToString("0.000", C) : "-")} | {runs.Sum(r => r.Loop.Failures)} |");
        }

        text.AppendLine();
        text.AppendLine("Msg/commit: messages per database transaction (a group commit carries several; duplicates need none).");
        text.AppendLine("Ledger reads: index scans of `once_ledger` per message (entity loads and reads of old ids the filter let through).");
        text.AppendLine();
        if (Settings.Only is not null)
        {
            text.AppendLine("A run of chosen cells (--cells): the targets need every cell, so none is computed.");
            text.AppendLine();
            AppendIdle(text);
            return text.ToString();
        }

        text.AppendLine("### Against the targets (ratios of the medians above)");
        text.AppendLine();
        text.AppendLine("| Figure | Target | Reached | |");
        text.AppendLine("| --- | --- | ---: | --- |");
        var best = Settings.TargetInFlight;
        double BestOf(string prefix) => best.Max(n => Throughput($"{prefix}-{n}"));
        Target(text, "Once exactly-once / classic, each at its best of 64 and 256", ">= 3x", BestOf("once") / BestOf("classic"), 3, higher: true);
        Target(text, "Once exactly-once / Once at-least-once, best of 64 and 256", ">= 0.9x", BestOf("once") / BestOf("once-alo"), 0.9, higher: true);
        Target(text, $"Steady state / fresh keys, {f} in flight", ">= 0.9x", Throughput($"once-steady-{f}") / Throughput($"once-{f}"), 0.9, higher: true);
        Target(text, $"WAL bytes per message, Once / classic, {f} in flight", "<= 1.5x", Wal($"once-{f}") / Wal($"classic-{f}"), 1.5, higher: false);
        foreach (var n in ThroughputBenchmark.DuplicatesInFlight(Settings))
        {
            Target(text, $"50% duplicates: Once / classic, {n} in flight", ">= 3x", Throughput($"once-dup50-{n}") / Throughput($"classic-dup50-{n}"), 3, higher: true);
        }

        Target(text, $"One hot key taking 10% / uniform keys, {f} in flight", ">= 0.8x", Throughput($"once-hot-{f}") / Throughput($"once-{f}"), 0.8, higher: true);
        Target(text, $"p99 at {f} in flight, Once exactly-once (ms)", "<= 50", Distribution.Of(Results[$"once-{f}"].SelectMany(r => r.Loop.LatenciesMs)).P99, 50, higher: false);
        Target(text, $"Ledger reads per new message at steady state ({f} in flight)", "<= 0.01", Median(Results[$"once-steady-{f}"].Select(r => r.LedgerScansPerMessage)), 0.01, higher: false);
        Target(text, "Memory per retained id beyond the hot set (filter of an entity activated with 100,000 ids, bytes/id)", "<= 4", FilterBytesPerId(100_000, 100_000), 4, higher: false);
        Target(text, "... the same filter grown from empty to 100,000 ids in one activation (bytes/id)", "<= 4", FilterBytesPerId(100_000, 0), 4, higher: false);
        Target(text, $"CPU per message, all processes, {f} in flight, Once exactly-once (ms)", "<= 0.3", Median(Results[$"once-{f}"].Select(r => r.CpuMsPerMessage)), 0.3, higher: false);
        Target(text, $"Idle {Settings.Silos}-silo cluster: commits per second", "<= 10", Idle.CommitsPerSecond, 10, higher: false);
        Target(text, $"Idle {Settings.Silos}-silo cluster: silo CPU (cores)", "<= 0.02", Idle.SiloCores, 0.02, higher: false);
        foreach (var n in best)
        {
            Target(text, $"HTTP (Once.Api) / Orleans client, exactly-once, {n} in flight", ">= 0.7x", Throughput($"once-http-{n}") / Throughput($"once-{n}"), 0.7, higher: true);
        }

        if (Settings.Variant is { } setting)
        {
            foreach (var cell in Cells.Where(c => c.Variant))
            {
                text.AppendLine(C, $"| Once exactly-once with `{setting}` on the silos / without, {cell.InFlight} in flight | (a runtime setting) | {Throughput(cell.Name) / Throughput($"once-{cell.InFlight}"):0.00} | |");
            }

            if (VariantIdle is { } idle)
            {
                text.AppendLine(C, $"| Idle silo CPU with `{setting}` / without (cores, both clusters in one window) | (a runtime setting) | {idle.VariantCores:0.000} / {idle.FirstCores:0.000} | |");
                text.AppendLine(C, $"| Idle commits per second with `{setting}` (the window's less the first cluster's alone) | (a runtime setting) | {Math.Max(0, idle.CommitsPerSecond - Idle.CommitsPerSecond):0.0} | |");
            }
        }
        text.AppendLine();
        AppendIdle(text);
        return text.ToString();
    }

    private void AppendIdle(StringBuilder text)
    {
        // A full run has the variant's idle in its targets table; a run of chosen cells has no table.
        if (Settings.Only is not null && Settings.Variant is { } setting && VariantIdle is { } idle)
        {
            text.AppendLine(C, $"Idle with `{setting}` on the silos, both clusters in one window: {idle.VariantCores:0.000} silo cores with it, {idle.FirstCores:0.000} without.");
            text.AppendLine();
        }

        text.AppendLine(C, $"Idle: {Idle.CommitsPerSecond:0.0} commits/s, {Idle.SiloCores:0.000} silo cores ({Idle.CompilerCores:0.000} of them the tiered compilers), {Idle.WalBytesPerSecond:0} WAL bytes/s over {ThroughputBenchmark.IdleWindow.TotalSeconds:0} s with nothing sent,");
        text.AppendLine(C, $"{ThroughputBenchmark.IdleSettle.TotalSeconds:0} s after the last cell and {Idle.CompilerWait.TotalSeconds:0} s more, until {ThroughputBenchmark.HttpWarmUpStep.TotalSeconds:0} s in which the silos' tiered compilers used no CPU and no autovacuum");
        text.AppendLine(C, $"worker ran (at most {ThroughputBenchmark.IdleQuietLimit.TotalMinutes:0} min), with autovacuum off for the window on the benchmark's own server: after a load the compilers optimise for a while the");
        text.AppendLine("code that idle work calls a few times a second, and autovacuum cleans the tables the load filled, neither of them what an");
        text.AppendLine("idle cluster costs.");
    }

    private double Throughput(string cell) => Median(Results[cell].Select(r => r.Loop.Throughput));

    private double Wal(string cell) => Median(Results[cell].Select(r => r.WalPerMessage));

    private static double Median(IEnumerable<double> values) => Distribution.Of(values.DefaultIfEmpty(double.NaN)).Median;

    private static double FilterBytesPerId(int ids, int expected)
    {
        var filter = new MessageIdFilter(expected);
        for (var i = 0; i < ids; i++)
        {
            filter.Add($"message-{i}");
        }

        return filter.SizeInBytes / (double)ids;
    }

    private static void Target(StringBuilder text, string figure, string target, double reached, double bound, bool higher)
    {
        var met = higher ? reached >= bound : reached <= bound;
        text.AppendLine(C, $"| {figure} | {target} | {reached:0.00} | {(met ? "met" : "**not met**")} |");
    }
}
