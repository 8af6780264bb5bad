using System.Diagnostics;
using System.Text.Json;
using Npgsql;
using Once.Abstractions;
using Once.Core;
using Xunit.Abstractions;
using static Once.Postgres.Tests.Processes.OutboxFaults;

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
        using var http = cluster.CreateApiClient(TimeSpan.FromSeconds(90));
        await using var sql = new NpgsqlConnection(database);
        await sql.OpenAsync();
        await InstallWriteBlockerAsync(sql);

        var run = $"pk-{Guid.NewGuid().ToString("N")[..8]}-";
        var ids = Enumerable.Range(0, Orders).Select(i => run + i).ToArray();
        foreach (var id in ids)
        {
            // Order and account share the id: orders/pk-…-3 pays from accounts/pk-…-3.
            await PostAsync(http, $"accounts/{id}", "fund", "deposit", new { amount = Funds });
            await PostAsync(http, $"orders/{id}", "place", "place", new { total = Total, account = id });
        }

        // 1. Accounts refuse writes while the orders are paid: each withdrawal waits in its order's outbox.
        await BlockAsync(sql, "accounts/" + run);
        foreach (var id in ids)
        {
            await PostAsync(http, $"orders/{id}", "pay", "pay", new { });
        }

        Assert.Equal(Enumerable.Repeat(1, Orders), await PendingOutboxesAsync(sql, "orders/" + run));

        // 2. Orders refuse writes, accounts accept them: withdrawals are applied, outboxes cannot shrink.
        await BlockAsync(sql, "orders/" + run);
        await UnblockAsync(sql, "accounts/" + run);
        await Eventually.TrueAsync(
            async () => (await Task.WhenAll(ids.Select(id => ReadAccountAsync(http, id)))).All(a => a.Balance != Funds),
            "not every account saw its withdrawal",
            TimeSpan.FromSeconds(60));
        Assert.Equal(Enumerable.Repeat(1, Orders), await PendingOutboxesAsync(sql, "orders/" + run));

        // 3. Crash the silo hosting most orders (their dispatchers are retrying, and log it), then allow writes.
        var hosted = Enumerable.Range(1, 3).ToDictionary(n => n, n => OutboxesInLog(cluster, n, "orders/" + run));
        var victim = hosted.MaxBy(h => h.Value.Count).Key;
        await cluster.KillSiloAsync(victim);
        await UnblockAsync(sql, "orders/" + run);

        // 4. Nobody calls the orders: the killed silo's orders come back through their reminder.
        var clock = Stopwatch.StartNew();
        await Eventually.TrueAsync(
            async () => (await PendingOutboxesAsync(sql, "orders/" + run)).All(n => n == 0), "an outbox never emptied", TimeSpan.FromMinutes(4));
        output.WriteLine(
            $"orders per silo log {string.Join(", ", hosted.Select(h => $"silo{h.Key}: {h.Value.Count}"))}; killed silo{victim}; " +
            $"every outbox empty {clock.Elapsed.TotalSeconds:0} s after the kill");

        var violations = new List<string>();
        foreach (var id in ids)
        {
            var (version, balance) = await ReadAccountAsync(http, id);
            if (balance != Funds - Total || version != 2)
            {
                violations.Add($"accounts/{id}: balance {balance} at version {version}, expected {Funds - Total} at version 2");
            }

            // The withdrawal is recorded under the id derived from the order's "pay", whoever delivered it.
            var withdrawal = OutboxIds.Derive(new EntityKey("orders", id), new MessageId("pay"), 0);
            using var recorded = await http.GetAsync(new Uri($"/v1/entities/accounts/{id}/messages/{withdrawal}", UriKind.Relative));
            using var body = recorded.IsSuccessStatusCode ? JsonDocument.Parse(await recorded.Content.ReadAsStringAsync()) : null;
            var status = body?.RootElement.GetProperty("status").GetString() ?? $"HTTP {(int)recorded.StatusCode}";
            if (status != "applied")
            {
                violations.Add($"accounts/{id}: the withdrawal {withdrawal} is recorded as {status}, not applied");
            }
        }

        foreach (var violation in violations.Take(10))
        {
            output.WriteLine(violation);
        }

        return (violations, hosted[victim].Count);
    }

    private static async Task<(long Version, decimal Balance)> ReadAccountAsync(HttpClient http, string account)
    {
        using var body = JsonDocument.Parse(await http.GetStringAsync(new Uri($"/v1/entities/accounts/{account}", UriKind.Relative)));
        return (body.RootElement.GetProperty("version").GetInt64(), body.RootElement.GetProperty("state").GetProperty("balance").GetDecimal());
    }
}
