using System.Diagnostics;
using Npgsql;
using Once.Abstractions;
using Once.Core;
using Xunit.Abstractions;
using static Once.Postgres.Tests.Processes.OutboxFaults;

namespace Once.Postgres.Tests.Processes;

/// <summary>
/// HTTP effects under a real crash: shipping an order POSTs to its notify URL through the outbox. The
/// receiver first fails (503, retried), then accepts while PostgreSQL refuses the write that takes the
/// effect out of the outbox; then the Once.Silo process hosting most orders is SIGKILLed. Every effect
/// is sent again after it was accepted (at-least-once, on purpose here), always with one key per
/// effect: a receiver that honours Idempotency-Key acts once, one that ignores it would act twice.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class WebhookKillTests(PostgresServer postgres, ITestOutputHelper output)
{
    private const int Orders = 12;

    [Fact]
    public async Task SiloKilledAfterTheReceiverAccepted_EffectsSentAgainWithTheSameKey_ActedOnOnceByKey()
    {
        var database = await postgres.CreateDatabaseAsync();
        // The silos may call the local receiver (plain HTTP on loopback); by default they call no host.
        await using var cluster = await LocalCluster.StartAsync(database, WebhookReceiver.LocalSettings.ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value));
        using var http = cluster.CreateApiClient(TimeSpan.FromSeconds(90));
        await using var sql = new NpgsqlConnection(database);
        await sql.OpenAsync();
        await InstallWriteBlockerAsync(sql);
        using var receiver = new WebhookReceiver(status: 503);

        var run = $"orders/wk-{Guid.NewGuid().ToString("N")[..8]}-";
        var orders = Enumerable.Range(0, Orders).Select(i => run + i).ToArray();
        var keys = orders.ToDictionary(o => OutboxIds.Derive(EntityKey.Parse(o), new MessageId("ship"), 0).Value, o => o);
        foreach (var order in orders)
        {
            await PostAsync(http, order, "place", "place", new { total = 12, notify = receiver.Url });
            await PostAsync(http, order, "pay", "pay", new { });
            await PostAsync(http, order, "ship", "ship", new { });
        }

        // 1. The receiver is down (503): every effect is tried and kept in its order's outbox.
        await Eventually.TrueAsync(
            () => Task.FromResult(receiver.Requests.Select(r => r.Key).Distinct().Count() == Orders), "not every effect was tried", TimeSpan.FromSeconds(60));

        // 2. The receiver accepts, but the orders cannot record that: their effects stay in the outbox.
        await BlockAsync(sql, run);
        receiver.Status = 200;
        await Eventually.TrueAsync(
            () => Task.FromResult(receiver.Requests.Where(r => r.Answered == 200).Select(r => r.Key).Distinct().Count() == Orders),
            "not every effect was accepted",
            TimeSpan.FromSeconds(90));
        var acceptedBeforeKill = receiver.Requests.Count(r => r.Answered == 200);

        // 3. Crash the silo hosting most orders, allow writes, and leave the orders alone.
        var hosted = Enumerable.Range(1, 3).ToDictionary(n => n, n => OutboxesInLog(cluster, n, run));
        var victim = hosted.MaxBy(h => h.Value.Count).Key;
        await cluster.KillSiloAsync(victim);
        await UnblockAsync(sql, run);
        var clock = Stopwatch.StartNew();
        await Eventually.TrueAsync(async () => (await PendingOutboxesAsync(sql, run)).All(n => n == 0), "an outbox never emptied", TimeSpan.FromMinutes(4));

        var requests = receiver.Requests.ToArray();
        output.WriteLine(
            $"orders per silo log {string.Join(", ", hosted.Select(h => $"silo{h.Key}: {h.Value.Count}"))}; killed silo{victim}; " +
            $"every outbox empty {clock.Elapsed.TotalSeconds:0} s after the kill; {requests.Length} POSTs, " +
            $"{requests.Count(r => r.Answered == 200)} accepted ({acceptedBeforeKill} before the kill) for {Orders} effects");

        Assert.True(hosted[victim].Count > 0, "the killed silo hosted no order, so the crash path was not exercised");
        Assert.Equal(keys.Keys.Order(), requests.Select(r => r.Key).Distinct().Order());
        Assert.All(requests, r => Assert.Equal("""{"event":"order-shipped","total":12}""", r.Body));

        // Acted on by key: once per effect. Acted on per POST: more than once for every effect.
        var acceptedPerKey = requests.Where(r => r.Answered == 200).GroupBy(r => r.Key!).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(Orders, acceptedPerKey.Count);
        Assert.All(acceptedPerKey, a => Assert.True(a.Value >= 2, $"{keys[a.Key]}: accepted {a.Value} time(s), never sent again after the crash"));
    }
}
