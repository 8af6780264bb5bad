using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Xunit.Abstractions;

namespace Once.Postgres.Tests.Processes;

/// <summary>
/// The pipeline under a real crash: paying an order emits a withdrawal through the order's outbox.
/// PostgreSQL refuses writes on demand (a trigger), so every order reaches the worst moment on
/// purpose: its account has applied the withdrawal, but the write that takes it out of the order's
/// outbox fails. Then the Once.Silo process hosting most orders is SIGKILLed, writes are allowed
/// again, and nobody touches the orders: only the outbox reminder can bring them back. Every account
/// must end with exactly one withdrawal; with deduplication off the same check must fail.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PipelineKillTests(PostgresServer postgres, ITestOutputHelper output)
{
    private const int Orders = 24;
    private const decimal Funds = 100m;
    private const decimal Total = 30m;

    [Fact]
    public async Task SiloKilledBetweenWithdrawalAndOutboxRemoval_EveryAccountWithdrawnExactlyOnce()
    {
        var (violations, killedOrders) = await RunAsync(settings: null);

        Assert.True(killedOrders > 0, "the killed silo hosted no order, so the crash path was not exercised");
        Assert.Empty(violations);
    }

    [Fact]
    public async Task SiloKilledBetweenWithdrawalAndOutboxRemoval_DedupOff_NegativeControlWithdrawsTwice()
    {
        var (violations, _) = await RunAsync(new Dictionary<string, string> { ["Once__Guarantees__accounts"] = "AtLeastOnce" });

        Assert.Contains(violations, v => v.Contains("balance", StringComparison.Ordinal));
    }

    private async Task<(IReadOnlyList<string> Violations, int KilledOrders)> RunAsync(IReadOnlyDictionary<string, string>? settings)
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await LocalCluster.StartAsync(database, settings);
        using var http = new HttpClient { BaseAddress = cluster.Api, Timeout = TimeSpan.FromSeconds(90) };
        await using var sql = new NpgsqlConnection(database);
        await sql.OpenAsync();
        await InstallWriteBlockerAsync(sql);

        var run = Guid.NewGuid().ToString("N")[..8];
        var pairs = Enumerable.Range(0, Orders).Select(i => (Order: $"pk-{run}-{i}", Account: $"pk-{run}-{i}")).ToArray();
        foreach (var (order, account) in pairs)
        {
            await PostAsync(http, $"accounts/{account}", "fund", "deposit", new { amount = Funds });
            await PostAsync(http, $"orders/{order}", "place", "place", new { total = Total, account });
        }

        // 1. Accounts refuse writes while the orders are paid: each withdrawal waits in its order's outbox.
        await BlockAsync(sql, "accounts/pk-");
        foreach (var (order, _) in pairs)
        {
            await PostAsync(http, $"orders/{order}", "pay", "pay", new { });
        }

        Assert.Equal(Enumerable.Repeat(1, Orders), await PendingOutboxesAsync(sql, run));

        // 2. Orders refuse writes, accounts accept them: withdrawals are applied, outboxes cannot shrink.
        await BlockAsync(sql, "orders/pk-");
        await UnblockAsync(sql, "accounts/pk-");
        await WaitAsync(
            async () => (await Task.WhenAll(pairs.Select(p => ReadAccountAsync(http, p.Account)))).All(a => a.Balance != Funds),
            "not every account saw its withdrawal");
        Assert.Equal(Enumerable.Repeat(1, Orders), await PendingOutboxesAsync(sql, run));

        // 3. Crash the silo hosting most orders (their dispatchers are retrying, and log it), then allow writes.
        var hosted = Enumerable.Range(1, 3).ToDictionary(n => n, n => OrdersInLog(cluster, n, run));
        var victim = hosted.MaxBy(h => h.Value.Count).Key;
        await cluster.KillSiloAsync(victim);
        await UnblockAsync(sql, "orders/pk-");

        // 4. Nobody calls the orders: the killed silo's orders come back through their reminder.
        var clock = Stopwatch.StartNew();
        await WaitAsync(
            async () => (await PendingOutboxesAsync(sql, run)).All(n => n == 0),
            "an outbox never emptied",
            TimeSpan.FromMinutes(4));
        output.WriteLine(
            $"orders per silo log {string.Join(", ", hosted.Select(h => $"silo{h.Key}: {h.Value.Count}"))}; killed silo{victim}; " +
            $"every outbox empty {clock.Elapsed.TotalSeconds:0} s after the kill");

        var violations = new List<string>();
        foreach (var (order, account) in pairs)
        {
            var (version, balance) = await ReadAccountAsync(http, account);
            if (balance != Funds - Total || version != 2)
            {
                violations.Add($"accounts/{account}: balance {balance} at version {version}, expected {Funds - Total} at version 2");
            }

            // The withdrawal is recorded under the id derived from the order's "pay", whoever delivered it.
            var withdrawal = OutboxIds.Derive(new EntityKey("orders", order), new MessageId("pay"), 0);
            using var recorded = await http.GetAsync(new Uri($"/v1/entities/accounts/{account}/messages/{withdrawal}", UriKind.Relative));
            using var body = recorded.IsSuccessStatusCode ? JsonDocument.Parse(await recorded.Content.ReadAsStringAsync()) : null;
            var status = body?.RootElement.GetProperty("status").GetString() ?? $"HTTP {(int)recorded.StatusCode}";
            if (status != "applied")
            {
                violations.Add($"accounts/{account}: the withdrawal {withdrawal} is recorded as {status}, not applied");
            }
        }

        foreach (var violation in violations.Take(10))
        {
            output.WriteLine(violation);
        }

        return (violations, hosted[victim].Count);
    }

    private static async Task PostAsync(HttpClient http, string entity, string messageId, string type, object data)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/entities/{entity}/messages")
        {
            Content = JsonContent.Create(new { type, data }),
        };
        request.Headers.Add("Idempotency-Key", messageId);
        using var response = await http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"{type} to {entity}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task<(long Version, decimal Balance)> ReadAccountAsync(HttpClient http, string account)
    {
        using var body = JsonDocument.Parse(await http.GetStringAsync(new Uri($"/v1/entities/accounts/{account}", UriKind.Relative)));
        return (body.RootElement.GetProperty("version").GetInt64(), body.RootElement.GetProperty("state").GetProperty("balance").GetDecimal());
    }

    /// <summary>The orders a silo's log names as retrying their outbox: the ones it hosts.</summary>
    private static HashSet<string> OrdersInLog(LocalCluster cluster, int silo, string run)
    {
        var log = File.ReadAllText(Path.Combine(cluster.LogDirectory, $"silo{silo}.log"));
        return [.. System.Text.RegularExpressions.Regex.Matches(log, $@"orders/pk-{run}-\d+ outbox dispatch failed").Select(m => m.Value.Split(' ')[0])];
    }

    /// <summary>A trigger that refuses state writes of entities whose key starts with a blocked prefix.</summary>
    private static Task InstallWriteBlockerAsync(NpgsqlConnection sql) => ExecuteAsync(sql, """
        CREATE TABLE blocked_writes (prefix text PRIMARY KEY);
        CREATE FUNCTION refuse_blocked_writes() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF EXISTS (SELECT 1 FROM blocked_writes WHERE NEW.grain_id_ext LIKE prefix || '%') THEN
            RAISE EXCEPTION 'injected: writes of % are refused', NEW.grain_id_ext;
          END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER refuse_blocked_writes BEFORE INSERT OR UPDATE ON once_grain_state
          FOR EACH ROW EXECUTE FUNCTION refuse_blocked_writes();
        """);

    private static Task BlockAsync(NpgsqlConnection sql, string prefix) =>
        ExecuteAsync(sql, $"INSERT INTO blocked_writes VALUES ('{prefix}')");

    private static Task UnblockAsync(NpgsqlConnection sql, string prefix) =>
        ExecuteAsync(sql, $"DELETE FROM blocked_writes WHERE prefix = '{prefix}'");

    private static async Task ExecuteAsync(NpgsqlConnection sql, string text)
    {
        await using var command = new NpgsqlCommand(text, sql);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>How many messages wait in each order's stored outbox, read from PostgreSQL.</summary>
    private static async Task<IReadOnlyList<int>> PendingOutboxesAsync(NpgsqlConnection sql, string run)
    {
        await using var command = new NpgsqlCommand(
            "SELECT jsonb_array_length(convert_from(payload, 'UTF8')::jsonb -> 'Outbox') FROM once_grain_state WHERE grain_id_ext LIKE $1", sql);
        command.Parameters.AddWithValue($"orders/pk-{run}-%");
        var counts = new List<int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            counts.Add(reader.GetInt32(0));
        }

        Assert.Equal(Orders, counts.Count);
        return counts;
    }

    private static async Task WaitAsync(Func<Task<bool>> done, string failure, TimeSpan? deadline = null)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        var clock = Stopwatch.StartNew();
        while (!await done())
        {
            Assert.True(clock.Elapsed < (deadline ?? TimeSpan.FromSeconds(60)), failure);
            await timer.WaitForNextTickAsync();
        }
    }
}
