using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Npgsql;

namespace Once.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project benchmarks/Once.Benchmarks -- --availability</c>: the cluster of
/// <c>deploy/local-cluster.sh</c> (three silos, the API, its own PostgreSQL) under a steady HTTP load,
/// hit by one fault after another: a silo SIGKILLed, another frozen for 30 s (SIGSTOP), PostgreSQL
/// stopped for 5 s. For the minute after each fault the report gives the longest time without a
/// successful answer, the requests that failed, the slowest request and when the cluster evicted the
/// silo. Every failed request is sent again with the same key, as a client should, and at the end each
/// account's balance must be the sum of its deposits: no fault may lose or double one. Writes
/// docs/availability.md.
/// </summary>
internal static class AvailabilityBenchmark
{
    public const string Option = "--availability";

    private const int Workers = 16;
    private const int Accounts = 200;
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(20);

    public static async Task<int> RunAsync(string[] args)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var commit = MachineInfo.Commit();
        var loadBefore = MachineInfo.LoadAverage();
        var root = FindRepositoryRoot();
        var output = args.SkipWhile(a => a != "--output").Skip(1).FirstOrDefault() ?? Path.Combine(root, "docs", "availability.md");
        await using var cluster = await ScriptCluster.StartAsync(root);
        using var load = new HttpLoad(cluster.Api, Workers, Accounts);
        Console.WriteLine($"cluster ready; load of {Workers} workers on {Accounts} accounts");
        load.Start();
        await Task.Delay(Settle);

        var results = new List<FaultResult>
        {
            await MeasureAsync("silo 2 SIGKILLed (started again after the minute)", load, cluster, async evicted =>
            {
                await cluster.RunAsync("kill-silo", "2");
                await evicted.WaitAsync(2);
            }, after: () => cluster.RunAsync("start-silo", "2")),
        };
        await Task.Delay(Settle);
        // Silo 3, not the restarted silo 2: the entities activated on silo 2 moved while it was gone, silo 3 holds its share.
        results.Add(await MeasureAsync("silo 3 frozen for 30 s (SIGSTOP, then SIGCONT; started again after the minute)", load, cluster, async evicted =>
        {
            await cluster.RunAsync("freeze-silo", "3");
            var eviction = evicted.WaitAsync(3);
            await Task.Delay(TimeSpan.FromSeconds(30));
            await cluster.RunAsync("thaw-silo", "3");
            await eviction;
        }, after: async () =>
        {
            // Evicted while frozen, the thawed silo stops itself; then it joins again as a new one.
            await cluster.WaitUntilStoppedAsync(3, TimeSpan.FromSeconds(60));
            await cluster.RunAsync("start-silo", "3");
        }));
        await Task.Delay(Settle);
        results.Add(await MeasureAsync("PostgreSQL stopped for 5 s (then started again)", load, cluster, async _ =>
        {
            await cluster.RunAsync("stop-postgres");
            await Task.Delay(TimeSpan.FromSeconds(5));
            await cluster.RunAsync("postgres");
        }, after: () => Task.CompletedTask));

        await load.StopAsync();
        var check = await load.CheckBalancesAsync();
        var report = Report(results, load, check, commit, startedAt, loadBefore);
        await File.WriteAllTextAsync(output, report);
        Console.WriteLine(report);
        Console.WriteLine($"Written to {output}");
        return check.Mismatches == 0 ? 0 : 1;
    }

    private static async Task<FaultResult> MeasureAsync(
        string name, HttpLoad load, ScriptCluster cluster, Func<EvictionWatch, Task> fault, Func<Task> after)
    {
        Console.WriteLine($"fault: {name}");
        var watch = new EvictionWatch(cluster);
        var start = load.Now;
        var faultTask = fault(watch);
        await Task.Delay(Window);
        await faultTask;
        var window = load.Attempts(start, start + Window);
        await after();
        var successes = window.Where(a => a.Succeeded).Select(a => a.End).Order().ToList();
        var gap = Gaps(start, start + Window, successes).Max();
        return new FaultResult(
            name,
            window.Count,
            window.Count(a => !a.Succeeded),
            gap,
            window.Count == 0 ? TimeSpan.Zero : window.Max(a => a.End - a.Start),
            watch.EvictedAfter);
    }

    /// <summary>The times between consecutive successful answers, from the fault to the end of the window.</summary>
    private static IEnumerable<TimeSpan> Gaps(TimeSpan from, TimeSpan to, List<TimeSpan> successes)
    {
        var previous = from;
        foreach (var end in successes)
        {
            yield return end - previous;
            previous = end;
        }

        yield return to - previous;
    }

    private static string Report(IReadOnlyList<FaultResult> results, HttpLoad load, BalanceCheck check, string commit, DateTimeOffset startedAt, string loadBefore)
    {
        var text = new StringBuilder();
        text.AppendLine("## Availability: what a caller sees during a silo crash, a frozen silo and a PostgreSQL restart");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"- Command: `dotnet run -c Release --project benchmarks/Once.Benchmarks -- {Option}`, built from commit {commit}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- Run: {startedAt:yyyy-MM-dd HH:mm} UTC, {(DateTimeOffset.UtcNow - startedAt).TotalMinutes:F1} min; {MachineInfo.Describe()}; load average {loadBefore} before, {MachineInfo.LoadAverage()} after.");
        text.AppendLine("- `deploy/local-cluster.sh start` (Release): three Once.Silo processes, one Once.Api process and a PostgreSQL of its own, all on this machine, with the default settings");
        text.AppendLine("  (`Once:Calls:Timeout` 4 s, `Once:Calls:RetryBudget` 6 s, `Once:Membership` probes of 2 s, 3 missed, 2 votes).");
        text.AppendLine(CultureInfo.InvariantCulture, $"- Load: {Workers} HTTP clients in a closed loop, deposits to {Accounts} accounts, a new Idempotency-Key per deposit; a request that fails (any answer but 2xx, or no answer within 30 s) is sent again with the same key after 100 ms.");
        text.AppendLine("- Each fault is measured for the minute after it starts: requests are the attempts that started in that minute.");
        text.AppendLine();
        text.AppendLine("| Fault | Requests | Failed | Longest time without a successful answer | Slowest request | Silo evicted after |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in results)
        {
            var share = r.Requests == 0 ? 0 : 100.0 * r.Failed / r.Requests;
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Name} | {r.Requests} | {r.Failed} ({share:F2}%) | {r.LongestGap.TotalSeconds:F1} s | {r.Slowest.TotalSeconds:F1} s | {(r.EvictedAfter is { } e ? $"{e.TotalSeconds:F1} s" : "-")} |");
        }

        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Exactly once: {load.Acknowledged} deposits acknowledged over {load.AttemptCount} requests; {check.Accounts} account balances read afterwards, {check.Mismatches} differ from the sum of their deposits.");
        return text.ToString();
    }

    private static string FindRepositoryRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var folder = new DirectoryInfo(start); folder is not null; folder = folder.Parent)
            {
                if (File.Exists(Path.Combine(folder.FullName, "deploy", "local-cluster.sh")))
                {
                    return folder.FullName;
                }
            }
        }

        throw new InvalidOperationException("deploy/local-cluster.sh not found above the current directory.");
    }

    private sealed record FaultResult(string Name, int Requests, int Failed, TimeSpan LongestGap, TimeSpan Slowest, TimeSpan? EvictedAfter);

    private sealed record BalanceCheck(int Accounts, int Mismatches);

    private sealed record Attempt(TimeSpan Start, TimeSpan End, bool Succeeded);

    /// <summary>Polls the membership table from the moment it is created until the silo's latest generation is dead.</summary>
    private sealed class EvictionWatch(ScriptCluster cluster)
    {
        private readonly Stopwatch _since = Stopwatch.StartNew();

        public TimeSpan? EvictedAfter { get; private set; }

        public async Task WaitAsync(int silo)
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
            while (_since.Elapsed < Window)
            {
                if (await cluster.IsDeclaredDeadAsync(silo))
                {
                    EvictedAfter = _since.Elapsed;
                    return;
                }

                await timer.WaitForNextTickAsync();
            }
        }
    }

    /// <summary>Closed-loop deposits over HTTP; every attempt is recorded, every deposit is sent until acknowledged.</summary>
    private sealed class HttpLoad(Uri api, int workers, int accounts) : IDisposable
    {
        private readonly HttpClient _http = new() { BaseAddress = api, Timeout = TimeSpan.FromSeconds(30), DefaultRequestHeaders = { { "X-Api-Key", ScriptCluster.ApiKey } } };
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly ConcurrentQueue<Attempt> _attempts = new();
        private readonly ConcurrentDictionary<int, decimal> _sums = new();
        private readonly CancellationTokenSource _stop = new();
        private readonly string _run = Guid.NewGuid().ToString("N")[..8];
        private Task[] _workers = [];
        private int _acknowledged;

        public TimeSpan Now => _clock.Elapsed;

        public int Acknowledged => Volatile.Read(ref _acknowledged);

        public int AttemptCount => _attempts.Count;

        public void Start() => _workers = [.. Enumerable.Range(0, workers).Select(w => Task.Run(() => WorkAsync(w)))];

        public IReadOnlyList<Attempt> Attempts(TimeSpan from, TimeSpan to) => [.. _attempts.Where(a => a.Start >= from && a.Start < to)];

        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_workers);
        }

        public async Task<BalanceCheck> CheckBalancesAsync()
        {
            var mismatches = 0;
            foreach (var (account, sum) in _sums)
            {
                using var response = await _http.GetAsync(new Uri($"/v1/entities/accounts/{Key(account)}", UriKind.Relative));
                using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                if (body.RootElement.GetProperty("state").GetProperty("balance").GetDecimal() != sum)
                {
                    mismatches++;
                }
            }

            return new BalanceCheck(_sums.Count, mismatches);
        }

        public void Dispose()
        {
            _http.Dispose();
            _stop.Dispose();
        }

        private string Key(int account) => $"avail-{_run}-{account}";

        private async Task WorkAsync(int worker)
        {
            var random = new Random(worker);
            for (var n = 0; !_stop.IsCancellationRequested; n++)
            {
                var account = random.Next(accounts);
                var amount = random.Next(1, 10_000) / 100m;
                var id = $"w{worker}-{n}";
                // Sent until acknowledged, with the same key: the ledger makes each retry safe.
                while (!await SendAsync(account, id, amount))
                {
                    await Task.Delay(100);
                }

                _sums.AddOrUpdate(account, amount, (_, sum) => sum + amount);
                Interlocked.Increment(ref _acknowledged);
            }
        }

        private async Task<bool> SendAsync(int account, string id, decimal amount)
        {
            var start = Now;
            var succeeded = false;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/entities/accounts/{Key(account)}/messages")
                {
                    Content = JsonContent.Create(new { type = "deposit", data = new { amount } }),
                };
                request.Headers.Add("Idempotency-Key", id);
                using var response = await _http.SendAsync(request);
                succeeded = response.IsSuccessStatusCode;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            _attempts.Enqueue(new Attempt(start, Now, succeeded));
            return succeeded;
        }
    }

    /// <summary><c>deploy/local-cluster.sh</c> on free ports in a folder of its own, with its own PostgreSQL.</summary>
    private sealed class ScriptCluster : IAsyncDisposable
    {
        private readonly string _script;
        private readonly Dictionary<string, string> _environment;

        private ScriptCluster(string root, Dictionary<string, string> environment)
        {
            _script = Path.Combine(root, "deploy", "local-cluster.sh");
            _environment = environment;
        }

        public Uri Api => new($"http://127.0.0.1:{_environment["ONCE_API_PORT"]}");

        /// <summary>The script's PostgreSQL, with the password it generated for it.</summary>
        private string ConnectionString =>
            $"Host=127.0.0.1;Port={_environment["ONCE_PG_PORT"]};Database=once;Username=postgres;Password={File.ReadAllText(Path.Combine(_environment["ONCE_CLUSTER_DIR"], "pg-password")).Trim()}";

        /// <summary>The API key the script's API takes in this run.</summary>
        public const string ApiKey = "availability-key-0123456789";

        public static async Task<ScriptCluster> StartAsync(string root)
        {
            var directory = Path.Combine(root, ".artifacts", "availability");
            var ports = LocalPorts.Free(2);
            var cluster = new ScriptCluster(root, new Dictionary<string, string>
            {
                ["ONCE_CLUSTER_DIR"] = directory,
                ["ONCE_CONFIGURATION"] = "Release",
                ["ONCE_PG_PORT"] = ports[0].ToString(CultureInfo.InvariantCulture),
                ["ONCE_API_PORT"] = ports[1].ToString(CultureInfo.InvariantCulture),
                ["ONCE_SILO_PORT_BASE"] = FreeRangeBase(),
                ["ONCE_GATEWAY_PORT_BASE"] = FreeRangeBase(),
                ["ONCE_HEALTH_PORT_BASE"] = FreeRangeBase(),
                ["ONCE_API_KEY"] = ApiKey,
                // One key carries the whole load: measure availability, not the limiter.
                ["Once__RateLimit__Permits"] = "0",
            });
            // A run that was interrupted may have left its processes running on the same folder.
            await cluster.RunAsync("stop");
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }

            await cluster.RunAsync("start");
            return cluster;
        }

        public async Task<bool> IsDeclaredDeadAsync(int silo)
        {
            try
            {
                await using var connection = new NpgsqlConnection(ConnectionString);
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand("SELECT status FROM once_membership WHERE port = $1 ORDER BY generation DESC LIMIT 1", connection);
                command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = int.Parse(_environment["ONCE_SILO_PORT_BASE"], CultureInfo.InvariantCulture) + silo });
                return await command.ExecuteScalarAsync() is 6;
            }
            catch (NpgsqlException)
            {
                return false;
            }
        }

        public async Task WaitUntilStoppedAsync(int silo, TimeSpan limit)
        {
            var pidFile = Path.Combine(_environment["ONCE_CLUSTER_DIR"], $"silo{silo}.pid");
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < limit && File.Exists(pidFile) && IsRunning(File.ReadAllText(pidFile).Trim()))
            {
                await Task.Delay(250);
            }

            if (File.Exists(pidFile) && IsRunning(File.ReadAllText(pidFile).Trim()))
            {
                throw new InvalidOperationException($"silo{silo} was evicted but still runs {limit.TotalSeconds} s after it was thawed.");
            }
        }

        public async Task RunAsync(params string[] arguments)
        {
            var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(_script);
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            foreach (var (key, value) in _environment)
            {
                start.Environment[key] = value;
            }

            start.Environment.Remove("ONCE_POSTGRES");
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"local-cluster.sh {string.Join(' ', arguments)} failed ({process.ExitCode}): {(await error).Trim()} {(await output).Trim()}");
            }
        }

        public async ValueTask DisposeAsync() => await RunAsync("stop");

        private static bool IsRunning(string pid)
        {
            try
            {
                using var process = Process.GetProcessById(int.Parse(pid, CultureInfo.InvariantCulture));
                return !process.HasExited;
            }
            catch (ArgumentException)
            {
                return false;
            }
        }

        /// <summary>A base port whose next three ports are free (the script uses base+1..base+3).</summary>
        private static string FreeRangeBase()
        {
            for (var attempt = 0; attempt < 100; attempt++)
            {
                var candidate = LocalPorts.Free(1)[0];
                if (candidate + 4 < 65535 && Enumerable.Range(1, 3).All(n => IsFree(candidate + n)))
                {
                    return candidate.ToString(CultureInfo.InvariantCulture);
                }
            }

            throw new InvalidOperationException("No free range of ports found.");
        }

        private static bool IsFree(int port)
        {
            try
            {
                using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
                listener.Start();
                return true;
            }
            catch (System.Net.Sockets.SocketException)
            {
                return false;
            }
        }
    }
}
