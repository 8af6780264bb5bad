using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Once.Abstractions;

namespace Once.Benchmarks;

/// <summary>
/// <c>--throughput</c>: the classic idempotent consumer, the same SQL 10 messages per transaction, Once
/// exactly-once and Once at-least-once through the Orleans client against a cluster of silo
/// processes, and Once exactly-once over HTTP through a Once.Api process in front of the same silos,
/// all on one throwaway PostgreSQL, interleaved in rounds; plus steady state (every key with many
/// retained ids), 50% duplicates and a hot key. Writes docs-style markdown with the ratios against
/// the targets.
/// </summary>
internal static class ThroughputBenchmark
{
    public const string Option = "--throughput";

    private const string ServiceId = "throughput";

    /// <summary>How long each cell runs once before the rounds, not counted.</summary>
    public static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The Once.Api process serves only the once-http cells, so only their warm-up warms it. Under load
    /// on this machine its tiered compiler keeps working for about a minute (100-150 ms of CPU a
    /// second, a quarter of the process's), and until then the requests run unoptimised code: so the
    /// first once-http cell warms in steps of <see cref="HttpWarmUpStep"/> until a step in which the
    /// compiler used less than <see cref="JitQuiet"/> per second, from this minimum up to <see cref="HttpWarmUpLimit"/>.
    /// The silos and the load generator are warmed by every cell.
    /// </summary>
    public static readonly TimeSpan HttpWarmUp = TimeSpan.FromSeconds(8);

    public static readonly TimeSpan HttpWarmUpStep = TimeSpan.FromSeconds(4);

    public static readonly TimeSpan HttpWarmUpLimit = TimeSpan.FromMinutes(2);

    /// <summary>CPU of the API's tiered-compilation thread per second below which its code counts as optimised.</summary>
    public const double JitQuiet = 0.01;

    private const string TieredCompilationThread = ".NET Tiered Com";

    /// <summary>How long the cluster rests after the last cell before its idle cost is measured.</summary>
    public static readonly TimeSpan IdleSettle = TimeSpan.FromSeconds(12);

    /// <summary>How long the idle cost is measured: a silo's periodic work runs at periods of up to a few seconds.</summary>
    public static readonly TimeSpan IdleWindow = TimeSpan.FromSeconds(20);

    /// <summary>
    /// After the load, two kinds of work go on that an idle cluster does not do: the silos' tiered
    /// compilers keep optimising code that idle work calls a few times a second (15 ms of CPU a second
    /// in a silo after a short run), and PostgreSQL's autovacuum cleans the tables the load filled (its
    /// transactions and WAL count in the database's figures). So the idle window starts after a step of
    /// <see cref="HttpWarmUpStep"/> in which the compilers used no CPU tick and no autovacuum worker
    /// ran, at most this long after the settling.
    /// </summary>
    public static readonly TimeSpan IdleQuietLimit = TimeSpan.FromMinutes(3);

    /// <summary>Waits until a step in which the processes' compilers and autovacuum were quiet (see <see cref="IdleQuietLimit"/>); returns how long that took.</summary>
    private static async Task<TimeSpan> UntilQuietAsync(NpgsqlDataSource sql, IReadOnlyList<int> pids)
    {
        var waited = TimeSpan.Zero;
        while (waited < IdleQuietLimit)
        {
            var before = Compilers(pids);
            var vacuuming = await AutovacuumWorkersAsync(sql);
            await Task.Delay(HttpWarmUpStep);
            waited += HttpWarmUpStep;
            // A compiler thread starts when methods queue for it (a new one means it worked) and exits
            // after a while without work (one gone did none just before).
            var after = Compilers(pids);
            var compiled = CompilerSeconds(before, after);
            var vacuumingAfter = await AutovacuumWorkersAsync(sql);
            if (after.Keys.All(before.ContainsKey) && compiled == 0 && vacuuming == 0 && vacuumingAfter == 0)
            {
                break;
            }

            Console.WriteLine($"throughput: not quiet yet: compilers {compiled * 1000:0} ms in {HttpWarmUpStep.TotalSeconds:0} s ({before.Count} -> {after.Count} threads), autovacuum workers {vacuuming} -> {vacuumingAfter}");
        }

        return waited;
    }

    /// <summary>
    /// Turns autovacuum off for the idle window, so that none starts in it: after the load it would, and
    /// its transactions and WAL would count as the cluster's. Workers already running finish;
    /// <see cref="UntilQuietAsync"/> waits for them. Only on the benchmark's own throwaway server.
    /// </summary>
    private static async Task PauseAutovacuumAsync(NpgsqlDataSource sql, BenchmarkDatabase database, bool paused)
    {
        if (!database.Throwaway)
        {
            return;
        }

        await using var batch = sql.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(paused ? "ALTER SYSTEM SET autovacuum = off" : "ALTER SYSTEM RESET autovacuum"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT pg_reload_conf()"));
        await batch.ExecuteNonQueryAsync();
    }

    private static async Task<long> AutovacuumWorkersAsync(NpgsqlDataSource sql)
    {
        await using var command = sql.CreateCommand("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The processes' tiered-compiler threads now, by process and thread id (compare two with <see cref="CompilerSeconds"/>).</summary>
    private static Dictionary<(int Pid, int Tid), double> Compilers(IEnumerable<int> pids) =>
        pids.SelectMany(pid => ProcessCpu.Threads(pid, TieredCompilationThread).Select(t => (Key: (pid, t.Key), t.Value)))
            .ToDictionary(t => t.Key, t => t.Value);

    /// <summary>CPU seconds the compiler threads of <paramref name="after"/> used since <paramref name="before"/> (a new thread counts whole).</summary>
    private static double CompilerSeconds(Dictionary<(int Pid, int Tid), double> before, Dictionary<(int Pid, int Tid), double> after) =>
        after.Sum(t => t.Value - before.GetValueOrDefault(t.Key));

    public static async Task<int> RunAsync(string[] args)
    {
        ThroughputSettings settings;
        List<Cell> cells;
        try
        {
            settings = ThroughputSettings.Parse(args);
            cells = Cells(settings);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync(e.Message + Environment.NewLine + ThroughputSettings.Usage);
            return 2;
        }

        var loadBefore = MachineInfo.LoadAverage();
        // Read before the run: the work tree may change while it runs, the build it measures does not.
        var commit = MachineInfo.Commit();
        var clock = Stopwatch.StartNew();
        Console.WriteLine("throughput: starting PostgreSQL");
        await using var database = await BenchmarkDatabase.CreateAsync();
        await using var sql = NpgsqlDataSource.Create(database.ConnectionString);
        await ClassicConsumer.CreateSchemaAsync(sql);
        Console.WriteLine($"throughput: preloading {settings.Keys} steady-state keys with {settings.SteadyIds} ids each (Once and classic)");
        await PreloadAsync(sql, settings);
        var postmaster = ProcessCpu.ParentOf(Convert.ToInt32(await Scalar(sql, "SELECT pg_backend_pid()"), CultureInfo.InvariantCulture));

        Console.WriteLine($"throughput: starting {settings.Silos} silo processes, a client and a Once.Api process");
        var logs = Path.Combine(Directory.GetCurrentDirectory(), ".artifacts", "throughput");
        await using var cluster = await SiloCluster.StartAsync(database.ConnectionString, logs, settings.Silos, new Dictionary<string, string>());
        await using var variant = settings.Variant is { } setting
            ? await SiloCluster.StartAsync(database.ConnectionString, logs, settings.Silos, new Dictionary<string, string> { [setting.Split('=', 2)[0]] = setting.Split('=', 2)[1] }, "throughput-variant")
            : null;
        await using var api = await ApiProcess.StartAsync(cluster, database.ConnectionString, logs, settings.InFlight.Max());
        await using var classic = new ClassicConsumer(database.ConnectionString);
        classic.OpenWorkers(settings.InFlight.Max());

        var meter = new Meter(sql, postmaster, [.. cluster.SiloPids, .. variant?.SiloPids ?? []], [api.Pid]);
        Console.WriteLine($"throughput: warm-up (every cell once, {WarmUp.TotalSeconds:0} s, once-http cells until the API's compiler is done, not counted)");
        var httpWarmUp = TimeSpan.Zero;
        foreach (var cell in cells)
        {
            if (cell.Contender != Contender.ExactlyOnceHttp)
            {
                await RunCellAsync(cell, "warm", WarmUp, cell.Variant ? variant! : cluster, api, classic, settings);
                continue;
            }

            var warmed = TimeSpan.Zero;
            while (warmed < HttpWarmUp || (warmed < HttpWarmUpLimit && httpWarmUp == TimeSpan.Zero))
            {
                var jitBefore = Compilers([api.Pid]);
                await RunCellAsync(cell, $"warm{warmed.TotalSeconds:0}", HttpWarmUpStep, cluster, api, classic, settings);
                warmed += HttpWarmUpStep;
                var jitPerSecond = CompilerSeconds(jitBefore, Compilers([api.Pid])) / HttpWarmUpStep.TotalSeconds;
                if (warmed >= HttpWarmUp && jitPerSecond < JitQuiet)
                {
                    break;
                }
            }

            // The first once-http cell warms the API until its compiler is quiet; the others need only their own minimum.
            if (httpWarmUp == TimeSpan.Zero)
            {
                httpWarmUp = warmed;
                Console.WriteLine($"throughput: the Once.Api process's compiler went quiet after {warmed.TotalSeconds:0} s of {cell.Name}");
            }
        }

        var results = cells.ToDictionary(c => c.Name, _ => new List<CellMeasurement>());
        for (var round = 1; round <= settings.Rounds; round++)
        {
            // Rotate the order every round, so no contender always runs right after the same one.
            var order = cells.Skip((round - 1) % cells.Count).Concat(cells.Take((round - 1) % cells.Count));
            foreach (var cell in order)
            {
                var measurement = await meter.MeasureAsync(
                    () => RunCellAsync(cell, $"r{round}", settings.Duration, cell.Variant ? variant! : cluster, api, classic, settings), cell.Contender == Contender.ExactlyOnceHttp);
                results[cell.Name].Add(measurement);
                Console.WriteLine($"throughput: round {round}/{settings.Rounds} {cell.Name}: {measurement.Loop.Throughput:0} msg/s, p99 {Distribution.Of(measurement.Loop.LatenciesMs).P99:0.0} ms, {measurement.WalBytes / Math.Max(1, measurement.Loop.Messages):0} WAL bytes/msg, {measurement.Loop.Failures} failed");
            }
        }

        // PostgreSQL's backends report their statistics up to 10 s late once they go quiet: let the
        // last round's commits arrive before counting the idle ones.
        Console.WriteLine($"throughput: idle cluster, {IdleSettle.TotalSeconds:0} s to settle, then {IdleWindow.TotalSeconds:0} s measured");
        // The idle figures are the first cluster's alone: not the API's (its client reads the membership table too), not the variant's.
        await api.DisposeAsync();
        IdleComparison? variantIdle = null;
        if (variant is not null)
        {
            // Both clusters idle side by side in one window (CPU apart by process; commits are the
            // database's, so the variant's are the window's less the first cluster's alone, below).
            await Task.Delay(IdleSettle);
            await PauseAutovacuumAsync(sql, database, paused: true);
            await UntilQuietAsync(sql, [.. cluster.SiloPids, .. variant.SiloPids]);
            var both = await new Meter(sql, postmaster, cluster.SiloPids, variant.SiloPids).MeasureIdleAsync(IdleWindow);
            await PauseAutovacuumAsync(sql, database, paused: false);
            await variant.DisposeAsync();
            variantIdle = new IdleComparison(both.SiloCores, both.OtherCores, both.CommitsPerSecond);
        }

        await Task.Delay(IdleSettle);
        await PauseAutovacuumAsync(sql, database, paused: true);
        var compilerWait = await UntilQuietAsync(sql, cluster.SiloPids);
        Console.WriteLine($"throughput: the silos' compilers and autovacuum went quiet after {compilerWait.TotalSeconds:0} s more");
        var compilerBefore = Compilers(cluster.SiloPids);
        var idle = await new Meter(sql, postmaster, cluster.SiloPids).MeasureIdleAsync(IdleWindow);
        await PauseAutovacuumAsync(sql, database, paused: false);
        idle = idle with { CompilerCores = CompilerSeconds(compilerBefore, Compilers(cluster.SiloPids)) / IdleWindow.TotalSeconds, CompilerWait = compilerWait };
        var report = new ThroughputReport(
            settings,
            "dotnet run -c Release --project benchmarks/Once.Benchmarks -- " + string.Join(' ', args),
            commit,
            $"{database.ServerVersion}, synchronous_commit={database.SynchronousCommit}, {database.Origin}",
            MachineInfo.Describe(),
            loadBefore,
            MachineInfo.LoadAverage(),
            clock.Elapsed,
            cells,
            results,
            idle,
            variantIdle,
            httpWarmUp).ToMarkdown();
        var reportPath = Path.Combine(Directory.GetCurrentDirectory(), "BenchmarkDotNet.Artifacts", "results", "throughput.md");
        Directory.CreateDirectory(Path.GetDirectoryName(reportPath)!);
        await File.WriteAllTextAsync(reportPath, report);
        Console.WriteLine(report);
        Console.WriteLine($"Written to {reportPath}");
        return 0;
    }

    private static List<Cell> Cells(ThroughputSettings s)
    {
        var cells = new List<Cell>();
        foreach (var inFlight in s.InFlight)
        {
            cells.Add(new Cell($"classic-{inFlight}", Contender.Classic, inFlight, Workload.Fresh));
            cells.Add(new Cell($"classic10-{inFlight}", Contender.Classic10, inFlight, Workload.Fresh));
            cells.Add(new Cell($"once-{inFlight}", Contender.ExactlyOnce, inFlight, Workload.Fresh));
            cells.Add(new Cell($"once-alo-{inFlight}", Contender.AtLeastOnce, inFlight, Workload.Fresh));
            if (s.TargetInFlight.Contains(inFlight))
            {
                cells.Add(new Cell($"once-http-{inFlight}", Contender.ExactlyOnceHttp, inFlight, Workload.Fresh));
            }
        }

        var f = s.FocusInFlight;
        cells.Add(new Cell($"once-steady-{f}", Contender.ExactlyOnce, f, Workload.Steady));
        foreach (var n in DuplicatesInFlight(s))
        {
            cells.Add(new Cell($"classic-dup50-{n}", Contender.Classic, n, Workload.Duplicates));
            cells.Add(new Cell($"once-dup50-{n}", Contender.ExactlyOnce, n, Workload.Duplicates));
        }

        cells.Add(new Cell($"once-hot-{f}", Contender.ExactlyOnce, f, Workload.HotKey));
        if (s.Variant is not null)
        {
            foreach (var inFlight in s.InFlight.Where(n => n >= f))
            {
                cells.Add(new Cell($"once-variant-{inFlight}", Contender.ExactlyOnce, inFlight, Workload.Fresh, Variant: true));
            }
        }

        if (s.Only is { } only)
        {
            var unknown = only.Except(cells.Select(c => c.Name), StringComparer.Ordinal).ToList();
            return unknown.Count == 0
                ? [.. cells.Where(c => only.Contains(c.Name, StringComparer.Ordinal))]
                : throw new ArgumentException($"No cell is named {string.Join(", ", unknown)}; the cells are {string.Join(", ", cells.Select(c => c.Name))}.");
        }

        return cells;
    }

    /// <summary>The in-flight levels of the 50%-duplicates cells: the focus level and, where measured, 256.</summary>
    internal static IReadOnlyList<int> DuplicatesInFlight(ThroughputSettings s) =>
        [.. new[] { s.FocusInFlight }.Concat(s.InFlight.Where(n => n == 256)).Distinct()];

    private static Task<LoopResult> RunCellAsync(Cell cell, string round, TimeSpan duration, SiloCluster cluster, ApiProcess api, ClassicConsumer classic, ThroughputSettings settings)
    {
        var messages = new MessageSource(cell, round, settings.Keys);
        return cell.Contender switch
        {
            Contender.Classic => ClosedLoop.RunAsync(cell.InFlight, duration, (w, n) =>
                classic.ProcessAsync(w, [messages.Next(w, n)])),
            Contender.Classic10 => ClosedLoop.RunAsync(cell.InFlight, duration, (w, n) =>
                classic.ProcessAsync(w, [.. Enumerable.Range(0, 10).Select(i => messages.Next(w, (n * 10) + i))])),
            Contender.ExactlyOnceHttp => ClosedLoop.RunAsync(cell.InFlight, duration, async (w, n) =>
            {
                var (id, account, amount) = messages.Next(w, n);
                await api.DepositAsync(id, "accounts", account, amount);
                return 1;
            }),
            _ => ClosedLoop.RunAsync(cell.InFlight, duration, async (w, n) =>
            {
                var (id, account, amount) = messages.Next(w, n);
                var type = cell.Contender == Contender.AtLeastOnce ? SiloProcess.AtLeastOnceAccounts : "accounts";
                var outcome = await cluster.Client.SendAsync(new MessageEnvelope(
                    new MessageId(id), new EntityKey(type, account), "deposit", $"{{\"amount\":{amount.ToString(CultureInfo.InvariantCulture)}}}"));
                return outcome.Status == OutcomeStatus.Applied ? 1 : throw new InvalidOperationException($"{id}: {outcome.Status} {outcome.Reason} {outcome.Detail}");
            }),
        };
    }

    /// <summary>
    /// Every key of the steady-state set holds this many retained ids before anything runs, in Once's
    /// ledger table and in the classic consumer's processed-id table alike (which therefore runs at its
    /// steady-state size throughout).
    /// </summary>
    private static async Task PreloadAsync(NpgsqlDataSource sql, ThroughputSettings s)
    {
        await Execute(sql, $$"""
            INSERT INTO once_entity (entity_key, service_id, etag, version, data)
            SELECT 'accounts/s-' || k, '{{ServiceId}}', 1, 0, NULL FROM generate_series(0, {{s.Keys - 1}}) AS k;
            INSERT INTO once_ledger (entity_key, service_id, message_id, fingerprint, status, version, result, first_seen)
            SELECT 'accounts/s-' || k, '{{ServiceId}}', 'pre-' || k || '-' || n, 'AAAAAAAAAAAAAAAAAAAAAA', 0, 0, '{"balance":0,"limit":0}', now() - interval '1 hour'
              FROM generate_series(0, {{s.Keys - 1}}) AS k, generate_series(1, {{s.SteadyIds}}) AS n;
            INSERT INTO classic_processed (message_id)
            SELECT 'pre-' || k || '-' || n FROM generate_series(0, {{s.Keys - 1}}) AS k, generate_series(1, {{s.SteadyIds}}) AS n;
            """);
        await Execute(sql, "VACUUM ANALYZE");
        await Execute(sql, "CHECKPOINT");
    }

    internal static async Task<object?> Scalar(NpgsqlDataSource sql, string text)
    {
        await using var command = sql.CreateCommand(text);
        return await command.ExecuteScalarAsync();
    }

    private static async Task Execute(NpgsqlDataSource sql, string text)
    {
        await using var command = sql.CreateCommand(text);
        command.CommandTimeout = 600;
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The messages of one cell: unique ids, uniform keys, or the workload's twist.</summary>
    private sealed class MessageSource(Cell cell, string round, int keys)
    {
        private readonly Random[] _random = [.. Enumerable.Range(0, cell.InFlight).Select(w => new Random(HashCode.Combine(cell.Name, round, w)))];

        public (string MessageId, string Account, decimal Amount) Next(int worker, long n)
        {
            var random = _random[worker];
            var key = random.Next(keys);
            var id = $"{cell.Name}-{round}-{worker}-{n}";
            switch (cell.Workload)
            {
                case Workload.Steady:
                    return (id, $"s-{key}", 1m);
                case Workload.HotKey when random.NextDouble() < 0.1:
                    return (id, "hot", 1m);
                case Workload.Duplicates when n > 0 && random.NextDouble() < 0.5:
                    // A redelivery of one of this worker's recent messages: same id, same key, same content.
                    var earlier = Math.Max(0, n - 1 - random.Next(64));
                    return ($"{cell.Name}-{round}-{worker}-{earlier}", KeyOf(worker, earlier), 1m);
                case Workload.Duplicates:
                    return (id, KeyOf(worker, n), 1m);
                case Workload.Fresh when cell.Contender == Contender.ExactlyOnceHttp:
                    // Keys of its own: the API's client activates them, as the benchmark's client does
                    // the once cells' keys. On keys another client placed, PreferLocal and the
                    // clients' separate gateway choices would forward about 2 calls in 3 between silos.
                    return (id, $"h-{key}", 1m);
                default:
                    return (id, $"k-{key}", 1m);
            }
        }

        /// <summary>The key of message n of a worker in the duplicates run: a function of the id, so a redelivery goes to the same key.</summary>
        private string KeyOf(int worker, long n) => $"d-{(uint)HashCode.Combine(cell.Name, worker, n) % keys}";
    }
}

internal enum Contender
{
    Classic,
    Classic10,
    ExactlyOnce,
    AtLeastOnce,

    /// <summary>Exactly-once over HTTP, through the Once.Api process.</summary>
    ExactlyOnceHttp,
}

internal enum Workload
{
    Fresh,
    Steady,
    Duplicates,
    HotKey,
}

/// <param name="Variant">Runs against the second cluster, whose silos have <see cref="ThroughputSettings.Variant"/> set.</param>
internal sealed record Cell(string Name, Contender Contender, int InFlight, Workload Workload, bool Variant = false);
