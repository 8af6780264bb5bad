using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Once.Abstractions;
using Once.Core;
using Once.Hosting.Postgres;
using Once.Testing;
using Orleans.TestingHost;
using static Once.Postgres.Tests.PostgresCluster;

namespace Once.Postgres.Tests.Stores;

/// <summary>Entity grains on the native store in an in-process cluster: durability, fencing, the ledger table and its filter.</summary>
[Collection(PostgresCollection.Name)]
public sealed class NativeStoreClusterTests(PostgresServer postgres)
{
    /// <summary>A hot set far smaller than the ledger, so most answers must come from the table.</summary>
    private const int HotSet = 3;

    [Fact]
    public async Task FullClusterRestart_LedgerFarBeyondTheHotSet_EveryIdAnsweredWithItsFirstOutcome()
    {
        var database = await postgres.CreateDatabaseAsync();
        var serviceId = "native-" + Guid.NewGuid().ToString("N")[..8];
        var account = new EntityKey("accounts", "n-1");
        var first = new List<MessageOutcome>();
        await using (var before = await StartNativeAsync(database, serviceId))
        {
            for (var i = 1; i <= 12; i++)
            {
                first.Add(await before.Client.SendAsync(Deposit(account, $"m-{i}", i)));
            }

            // Within the same activation too, ids long out of the hot set are answered from the table.
            Assert.Equal(first[0] with { Replayed = true }, await before.Client.SendAsync(Deposit(account, "m-1", 1)));
        }

        await using var after = await StartNativeAsync(database, serviceId);
        var replays = new List<MessageOutcome>();
        for (var i = 1; i <= 12; i++)
        {
            replays.Add(await after.Client.SendAsync(Deposit(account, $"m-{i}", i)));
        }

        var snapshot = await after.Client.GetEntityAsync(account);
        Assert.Equal(first.Select(o => o with { Replayed = true }), replays);
        Assert.Equal((12L, "{\"balance\":78,\"limit\":0}"), (snapshot!.Version, snapshot.State));
        Assert.Equal(first[4] with { Replayed = true }, await after.Client.GetOutcomeAsync(account, new MessageId("m-5")));
        await using var sql = new NpgsqlConnection(database);
        await sql.OpenAsync();
        Assert.Equal(12L, await Sql.CountAsync(sql, $"SELECT count(*) FROM once_ledger WHERE entity_key = '{account}'"));
        Assert.Equal(12L, await Sql.CountAsync(sql, $"SELECT etag FROM once_entity WHERE entity_key = '{account}'"));
        Assert.Equal(0L, await Sql.CountAsync(sql, "SELECT count(*) FROM once_grain_state"));
    }

    [Fact]
    public async Task NewMessagesAtSteadyState_FilterSavesTheRead_OnlyAnOldDuplicateReadsTheTable()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await StartNativeAsync(database, "filter-" + Guid.NewGuid().ToString("N")[..8], silos: 1);
        var account = new EntityKey("accounts", "steady");
        for (var i = 0; i < 300; i++)
        {
            await cluster.Client.SendAsync(Deposit(account, $"old-{i}", 1));
        }

        var stores = cluster.Silos[0].ServiceProvider.GetRequiredService<PostgresEntityStores>();
        var before = stores.Lookups;
        for (var i = 0; i < 300; i++)
        {
            await cluster.Client.SendAsync(Deposit(account, $"new-{i}", 1));
        }

        var afterNew = stores.Lookups;
        var duplicate = await cluster.Client.SendAsync(Deposit(account, "old-7", 1));
        var afterDuplicate = stores.Lookups;

        Assert.True(afterNew.Reads - before.Reads <= 6, $"{afterNew.Reads - before.Reads} ledger reads for 300 new messages");
        Assert.Equal(afterNew.Reads - before.Reads, afterNew.Misses - before.Misses);
        Assert.Equal((OutcomeStatus.Applied, true, 8L), (duplicate.Status, duplicate.Replayed, duplicate.Version));
        Assert.Equal((1L, 0L), (afterDuplicate.Reads - afterNew.Reads, afterDuplicate.Misses - afterNew.Misses));
    }

    [Fact]
    public async Task HotKey_ManyMessagesAtOnce_FewerWritesThanMessages_EachAppliedOnceWithItsOwnVersion()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await StartNativeAsync(database, "hot-" + Guid.NewGuid().ToString("N")[..8], silos: 1);
        var account = new EntityKey("accounts", "hot");
        await cluster.Client.SendAsync(Deposit(account, "warm", 1m));
        var committer = cluster.Silos[0].ServiceProvider.GetRequiredService<PostgresCommitter>();
        var before = committer.Counts.Writes;

        // 200 messages, each sent twice at once: the second delivery of each must get the first's answer.
        var sends = Enumerable.Range(0, 200).SelectMany(i => new[] { Deposit(account, $"m-{i}", 1m), Deposit(account, $"m-{i}", 1m) })
            .Select(m => cluster.Client.SendAsync(m)).ToArray();
        var outcomes = await Task.WhenAll(sends);
        var writes = committer.Counts.Writes - before;

        var firsts = outcomes.Where(o => !o.Replayed).ToArray();
        Assert.Equal(Enumerable.Range(2, 200).Select(v => (long)v), firsts.Select(o => o.Version).Order());
        Assert.All(outcomes.GroupBy(o => o.MessageId), pair => Assert.Equal(
            pair.Single(o => !o.Replayed) with { Replayed = true }, pair.Single(o => o.Replayed)));
        Assert.Equal((201L, "{\"balance\":201,\"limit\":0}"), ((await cluster.Client.GetEntityAsync(account))!.Version, (await cluster.Client.GetEntityAsync(account))!.State));
        Assert.True(writes < 100, $"{writes} writes for 200 messages to one entity");
    }

    [Fact]
    public async Task ReadWhileTheEntitysWriteIsInFlight_AnsweredAtOnceWithTheCommittedState()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await StartNativeAsync(database, "read-" + Guid.NewGuid().ToString("N")[..8], silos: 1);
        var account = new EntityKey("accounts", "read");
        var first = await cluster.Client.SendAsync(Deposit(account, "m-1", 5m));
        await using var locker = new NpgsqlConnection(database);
        await locker.OpenAsync();
        await using var transaction = await locker.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand($"SELECT 1 FROM once_entity WHERE entity_key = '{account}' FOR UPDATE", locker, transaction))
        {
            await lockRow.ExecuteNonQueryAsync();
        }

        // The next write waits on the locked row; reads must not wait for it.
        var write = cluster.Client.SendAsync(Deposit(account, "m-2", 7m));
        await using var sql = new NpgsqlConnection(database);
        await sql.OpenAsync();
        await Eventually.TrueAsync(
            async () => await Sql.CountAsync(sql, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'") == 1,
            "the write never waited on the locked row");
        var read = cluster.Client.GetEntityAsync(account);
        var outcome = cluster.Client.GetOutcomeAsync(account, new MessageId("m-1"));
        await Eventually.TrueAsync(() => Task.FromResult(read.IsCompleted && outcome.IsCompleted), "the reads waited for the write in flight", TimeSpan.FromSeconds(20));

        Assert.False(write.IsCompleted);
        Assert.Equal((1L, "{\"balance\":5,\"limit\":0}"), ((await read)!.Version, (await read)!.State));
        Assert.Equal(first with { Replayed = true }, await outcome);
        await transaction.CommitAsync();
        Assert.Equal((OutcomeStatus.Applied, 2L), ((await write).Status, (await write).Version));
        Assert.Equal(2L, (await cluster.Client.GetEntityAsync(account))!.Version);
    }

    [Fact]
    public async Task StaleActivation_AnotherClusterAppliedTheMessage_AnsweredFromTheTableNotAppliedTwice()
    {
        var (balance, version, outcome) = await StaleActivation.ApplyBehindTheGrainsBackThenSendAsync(postgres, "accounts", nativeStore: true);

        Assert.Equal((2L, 50m), (version, balance));
        Assert.Equal((OutcomeStatus.Applied, 2L, true), (outcome.Status, outcome.Version, outcome.Replayed));
    }

    [Fact]
    public async Task StaleActivation_DedupOff_NegativeControlAppliesTwice()
    {
        var (balance, _, _) = await StaleActivation.ApplyBehindTheGrainsBackThenSendAsync(postgres, NoDedupAccounts, nativeStore: true);

        Assert.Equal(60m, balance);
    }

    [Fact]
    public async Task ExactlyOnce_StoreFaultsBeforeAndAfterCommit_NeitherLossesNorDuplicates()
    {
        var run = await RunGuaranteeWorkloadAsync("accounts");

        Assert.All(run.Applied, count => Assert.Equal(1, count));
        Assert.Equal(GuaranteeWorkload.FaultsArmed, run.ErrorsSeen);
    }

    [Fact]
    public async Task AtLeastOnce_SameStoreFaults_NegativeControlAppliesTwice()
    {
        var run = await RunGuaranteeWorkloadAsync(NoDedupAccounts);

        Assert.Contains(run.Applied, count => count > 1);
        Assert.DoesNotContain(0, run.Applied);
    }

    [Fact]
    public async Task DatabaseWrittenByGrainStorage_NativeStoreReadsItAndMovesItOnFirstWrite()
    {
        var database = await postgres.CreateDatabaseAsync();
        var serviceId = "moved-" + Guid.NewGuid().ToString("N")[..8];
        var account = new EntityKey("accounts", "moved");
        MessageOutcome first, rejected;
        await using (var old = await StartAsync(database, serviceId))
        {
            first = await old.Client.SendAsync(Deposit(account, "m-1", 40m));
            await old.Client.SendAsync(Deposit(account, "m-2", 2m));
            rejected = await old.Client.SendAsync(Withdraw(account, "w-1", 1000m));
        }

        await using (var native = await StartNativeAsync(database, serviceId))
        {
            var read = await native.Client.GetEntityAsync(account);
            Assert.Equal((2L, "{\"balance\":42,\"limit\":0}"), (read!.Version, read.State));
            Assert.Equal(first with { Replayed = true }, await native.Client.SendAsync(Deposit(account, "m-1", 40m)));
            var applied = await native.Client.SendAsync(Deposit(account, "m-3", 1m));
            Assert.Equal((OutcomeStatus.Applied, 3L), (applied.Status, applied.Version));
        }

        await using var again = await StartNativeAsync(database, serviceId);
        Assert.Equal(rejected with { Replayed = true }, await again.Client.SendAsync(Withdraw(account, "w-1", 1000m)));
        Assert.Equal(first with { Replayed = true }, await again.Client.SendAsync(Deposit(account, "m-1", 40m)));
        Assert.Equal(3L, (await again.Client.GetEntityAsync(account))!.Version);
        await using var sql = new NpgsqlConnection(database);
        await sql.OpenAsync();
        Assert.Equal(4L, await Sql.CountAsync(sql, $"SELECT count(*) FROM once_ledger WHERE entity_key = '{account}'"));
    }

    [Fact]
    public async Task BacklogGauges_UndeliveredEffectAndDeadLetter_ReportedFromTheTables()
    {
        var database = await postgres.CreateDatabaseAsync();
        using var receiver = new WebhookReceiver(status: 503);
        await using var cluster = await StartNativeAsync(database, "backlog-" + Guid.NewGuid().ToString("N")[..8], silos: 1);
        var order = new EntityKey("orders", "backlog");
        await cluster.Client.SendAsync(new MessageEnvelope(new MessageId("place"), order, "place", $$"""{"total":5,"notify":"{{receiver.Url}}"}"""));
        await cluster.Client.SendAsync(new MessageEnvelope(new MessageId("pay"), order, "pay", "{}"));
        await cluster.Client.SendAsync(new MessageEnvelope(new MessageId("ship"), order, "ship", "{}"));
        await Eventually.TrueAsync(() => Task.FromResult(!receiver.Requests.IsEmpty), "the effect was never tried");
        var metrics = cluster.Silos[0].ServiceProvider.GetRequiredService<PostgresBacklogMetrics>();

        await metrics.RefreshAsync(CancellationToken.None);
        var gauges = Gauges(metrics);

        Assert.Equal(1.0, gauges["once.outbox.pending"]);
        Assert.InRange(gauges["once.outbox.oldest_age"], 0.0, 3600.0);
        Assert.Equal(0.0, gauges["once.dead_letters.pending"]);
        Assert.Equal(0.0, gauges["once.stream.pending"]);
        Assert.True(gauges.ContainsKey("once.ledger.rows"));

        // The control: the figures follow the tables (the effect delivered, the outbox empty).
        receiver.Status = 200;
        await Eventually.TrueAsync(async () =>
        {
            await metrics.RefreshAsync(CancellationToken.None);
            return Gauges(metrics)["once.outbox.pending"] == 0;
        }, "the outbox gauge never went back to 0");
    }

    /// <summary>The current values of this silo's backlog gauges (other clusters in this process have their own).</summary>
    private static Dictionary<string, double> Gauges(PostgresBacklogMetrics metrics)
    {
        var values = new Dictionary<string, double>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == metrics.Meter)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => values[instrument.Name] = value);
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => values[instrument.Name] = value);
        listener.Start();
        listener.RecordObservableInstruments();
        return values;
    }

    [Fact]
    public async Task GrainStorageEntityWithAPendingEffect_NativeStoreDeliversIt_AndMovesTheEntityWithoutIt()
    {
        var database = await postgres.CreateDatabaseAsync();
        var serviceId = "moved-outbox-" + Guid.NewGuid().ToString("N")[..8];
        var order = new EntityKey("orders", "moved");
        using var receiver = new WebhookReceiver(status: 503);
        await using (var old = await StartAsync(database, serviceId, silos: 1))
        {
            await old.Client.SendAsync(new MessageEnvelope(new MessageId("place"), order, "place", $$"""{"total":5,"notify":"{{receiver.Url}}"}"""));
            await old.Client.SendAsync(new MessageEnvelope(new MessageId("pay"), order, "pay", "{}"));
            await old.Client.SendAsync(new MessageEnvelope(new MessageId("ship"), order, "ship", "{}"));
            await Eventually.TrueAsync(() => Task.FromResult(!receiver.Requests.IsEmpty), "the effect was never tried");
        }

        // The effect waits in the grain-storage row's outbox; the native store's first write of the
        // order is the one that records its delivery.
        receiver.Status = 200;
        await using var native = await StartNativeAsync(database, serviceId, silos: 1);
        var snapshot = await native.Client.GetEntityAsync(order);
        await Eventually.TrueAsync(() => Task.FromResult(receiver.Requests.Any(r => r.Answered == 200)), "the moved effect was never delivered");
        await using var sql = new NpgsqlConnection(database);
        await sql.OpenAsync();
        await Eventually.TrueAsync(
            async () => await Sql.CountAsync(sql, $"SELECT count(*) FROM once_entity WHERE entity_key = '{order}'") == 1,
            "the delivery was never written to the native store");

        Assert.Equal(3L, snapshot!.Version);
        Assert.Single(receiver.Requests.Select(r => r.Key).Distinct());
        Assert.Equal(OutboxIds.Derive(order, new MessageId("ship"), 0).Value, receiver.Requests.First().Key);
        Assert.Equal(0L, await Sql.CountAsync(sql, $"SELECT count(*) FROM once_outbox WHERE entity_key = '{order}'"));
        Assert.Equal(3L, await Sql.CountAsync(sql, $"SELECT count(*) FROM once_ledger WHERE entity_key = '{order}'"));
        var replay = await native.Client.SendAsync(new MessageEnvelope(new MessageId("ship"), order, "ship", "{}"));
        Assert.Equal((OutcomeStatus.Applied, 3L, true), (replay.Status, replay.Version, replay.Replayed));
    }

    private Task<InProcessTestCluster> StartNativeAsync(string database, string serviceId, int silos = 2, EntityStoreFaults? faults = null) =>
        StartAsync(database, serviceId, silos: silos, nativeStore: true, storeFaults: faults,
            configureSilo: silo => silo.Services.Configure<LedgerOptions>(o => o.MaxEntries = HotSet));

    private async Task<GuaranteeRun> RunGuaranteeWorkloadAsync(string type)
    {
        var database = await postgres.CreateDatabaseAsync();
        var faults = new EntityStoreFaults();
        await using var cluster = await StartNativeAsync(database, "native-guarantees-" + Guid.NewGuid().ToString("N")[..8], faults: faults);
        var account = new EntityKey(type, "acc-" + Guid.NewGuid().ToString("N"));
        var run = await GuaranteeWorkload.RunAsync(cluster.Client, account, (entity, fault) => faults.Arm(entity, StoreFaultOf(fault)));
        Assert.Equal(GuaranteeWorkload.FaultsArmed, faults.Fired(account));
        return run;
    }

    /// <summary>The workload's grain-storage faults as the store-level faults of the testing package.</summary>
    private static StoreFault StoreFaultOf(StorageFault fault) => fault switch
    {
        StorageFault.ThrowBeforeWrite => StoreFault.FailBeforeCommit,
        StorageFault.ThrowAfterWrite => StoreFault.FailAfterCommit,
        _ => throw new ArgumentOutOfRangeException(nameof(fault), fault, "The store faults have no such fault."),
    };
}
