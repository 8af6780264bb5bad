using System.Diagnostics;
using Once.Abstractions;
using Once.Client;
using Once.Core;
using Once.Samples.Accounts;
using Xunit.Abstractions;
using static Once.Postgres.Tests.PostgresCluster;

namespace Once.Postgres.Tests;

/// <summary>Entity streams on the durable ADO.NET queue in PostgreSQL.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresStreamTests(PostgresServer postgres, ITestOutputHelper output)
{
    private const int Entities = 20;
    private const int PerEntity = 10;

    [Fact]
    public async Task PublishWithRedeliveries_DurableQueue_EveryMessageAppliedOnce()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await StartAsync(database, "streams-" + Guid.NewGuid().ToString("N")[..8], streams: true);
        var publisher = new EntityStreamPublisher(cluster.Client);
        var accounts = Enumerable.Range(0, Entities).Select(i => new EntityKey("accounts", $"stream-{i}")).ToArray();
        var messages = (from a in accounts from n in Enumerable.Range(0, PerEntity) select Deposit(a, $"m-{n}", 1m)).ToList();

        var published = new Dictionary<string, DateTimeOffset>();
        var clock = Stopwatch.StartNew();
        foreach (var message in messages)
        {
            published[message.Entity + "|" + message.MessageId] = DateTimeOffset.UtcNow;
            Assert.True((await publisher.PublishAsync(message)).Accepted);
        }

        var publishSeconds = clock.Elapsed.TotalSeconds;

        // Every tenth message a second time: the queue's at-least-once delivery made visible.
        foreach (var message in messages.Where((_, i) => i % 10 == 0))
        {
            await publisher.PublishAsync(message);
        }

        var outcomes = await AllOutcomesAsync(cluster.Client, messages);
        var allApplied = clock.Elapsed.TotalSeconds;

        Assert.All(outcomes, o => Assert.Equal(OutcomeStatus.Applied, o.Outcome.Status));
        foreach (var account in accounts)
        {
            var snapshot = await cluster.Client.GetEntityAsync(account);
            Assert.Equal(PerEntity, snapshot!.Version);
        }

        var latencies = outcomes.Select(o => (o.FirstSeenAt!.Value - published[o.Entity + "|" + o.Outcome.MessageId]).TotalMilliseconds).Order().ToArray();
        output.WriteLine(
            $"{messages.Count} messages over {Entities} entities: publish {messages.Count / publishSeconds:0} msg/s; all applied after {allApplied:0.0} s " +
            $"({messages.Count / allApplied:0} msg/s end to end); publish-to-applied median {latencies[latencies.Length / 2]:0} ms, " +
            $"p99 {latencies[(int)(latencies.Length * 0.99)]:0} ms, max {latencies[^1]:0} ms");
    }

    [Fact]
    public async Task SameIdsByDurableStreamAndByCall_OneLedger_EachAppliedOnce()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await StartAsync(database, "cross-" + Guid.NewGuid().ToString("N")[..8], streams: true);
        var publisher = new EntityStreamPublisher(cluster.Client);
        var account = new EntityKey("accounts", "cross");

        await publisher.PublishAsync(Deposit(account, "by-stream-first", 5m));
        var first = (await AllOutcomesAsync(cluster.Client, [Deposit(account, "by-stream-first", 5m)]))[0].Outcome;
        var byCall = await cluster.Client.SendAsync(Deposit(account, "by-stream-first", 5m));
        var direct = await cluster.Client.SendAsync(Deposit(account, "by-call-first", 7m));
        await publisher.PublishAsync(Deposit(account, "by-call-first", 7m));
        await publisher.PublishAsync(Deposit(account, "marker", 1m));
        await AllOutcomesAsync(cluster.Client, [Deposit(account, "marker", 1m)]);

        Assert.Equal(first with { Replayed = true }, byCall);
        Assert.False(direct.Replayed);
        var snapshot = await cluster.Client.GetEntityAsync(account);
        Assert.Equal((3L, "{\"balance\":13,\"limit\":0}"), (snapshot!.Version, snapshot.State));
    }

    private static async Task<List<(EntityKey Entity, MessageOutcome Outcome, DateTimeOffset? FirstSeenAt)>> AllOutcomesAsync(
        IClusterClient client, IReadOnlyList<MessageEnvelope> messages)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        var deadline = Stopwatch.StartNew();
        var found = new Dictionary<string, (EntityKey, MessageOutcome, DateTimeOffset?)>();
        while (found.Count < messages.Count)
        {
            foreach (var message in messages.Where(m => !found.ContainsKey(m.Entity + "|" + m.MessageId)))
            {
                if (await client.GetOutcomeAsync(message.Entity, message.MessageId) is { } outcome)
                {
                    found[message.Entity + "|" + message.MessageId] = (message.Entity, outcome, outcome.FirstSeenAt);
                }
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), $"{messages.Count - found.Count} messages never applied");
            if (found.Count < messages.Count)
            {
                await timer.WaitForNextTickAsync();
            }
        }

        return [.. found.Values];
    }
}
