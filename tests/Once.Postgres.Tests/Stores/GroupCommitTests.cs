using Npgsql;
using Once.Abstractions;
using Once.Core;
using Once.Hosting.Postgres;

namespace Once.Postgres.Tests.Stores;

/// <summary>
/// The native store's group commit: writes of many entities go out together, and one entity's
/// failure (stale, a ledger key that exists, a refused row) fails that entity alone.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class GroupCommitTests(PostgresServer postgres)
{
    private static readonly DateTimeOffset T0 = new(2026, 2, 1, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task OneBatch_StaleEntityAndDuplicateLedgerKeyBesideAHealthyOne_OnlyTheHealthyOneCommits()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var harness = NativeStoreHarness.Create(database);
        var (holder, stale, healthy, duplicate) = (Key("holder"), Key("stale"), Key("healthy"), Key("duplicate"));
        foreach (var entity in new[] { holder, stale, healthy, duplicate })
        {
            await StoreDriver.SendAsync(harness.Open(entity), StoreDriver.Deposit(entity, "m-0", 1m), T0);
        }

        // "stale": a second activation commits first. "duplicate": its next id is already in the table.
        var staleStore = harness.Open(stale);
        await staleStore.EnsureLoadedAsync();
        await StoreDriver.SendAsync(harness.Open(stale), StoreDriver.Deposit(stale, "m-other", 1m), T0.AddSeconds(1));
        var healthyStore = harness.Open(healthy);
        var duplicateStore = harness.Open(duplicate);
        await healthyStore.EnsureLoadedAsync();
        await duplicateStore.EnsureLoadedAsync();
        await ExecuteAsync(harness.DataSource, $"""
            INSERT INTO once_ledger (entity_key, service_id, message_id, fingerprint, status, version, first_seen)
            VALUES ('{duplicate}', 'compliance', 'm-1', 'x', 0, 2, now())
            """);

        // Hold the committer on a locked row, so the next three writes queue up and go as one batch.
        await using var locker = await harness.DataSource.OpenConnectionAsync();
        await using var transaction = await locker.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand($"SELECT 1 FROM once_entity WHERE entity_key = '{holder}' FOR UPDATE", locker, transaction))
        {
            await lockRow.ExecuteNonQueryAsync();
        }

        var held = StoreDriver.SendAsync(harness.Open(holder), StoreDriver.Deposit(holder, "m-1", 1m), T0.AddSeconds(2));
        await Eventually.TrueAsync(
            async () => await ScalarAsync(harness.DataSource, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'") == 1,
            "the committer never waited on the locked row");
        // The held write's batch is counted already: what follows is the next batch alone.
        var before = harness.Committer.Counts;
        var staleWrite = StoreDriver.SendAsync(staleStore, StoreDriver.Deposit(stale, "m-1", 1m), T0.AddSeconds(3));
        var healthyWrite = StoreDriver.SendAsync(healthyStore, StoreDriver.Deposit(healthy, "m-1", 1m), T0.AddSeconds(3));
        var duplicateWrite = StoreDriver.SendAsync(duplicateStore, StoreDriver.Deposit(duplicate, "m-1", 1m), T0.AddSeconds(3));
        await transaction.CommitAsync();

        await held;
        var applied = await healthyWrite;
        await Assert.ThrowsAsync<StaleWriteException>(() => staleWrite);
        await Assert.ThrowsAsync<EntityStoreUnavailableException>(() => duplicateWrite);
        var after = harness.Committer.Counts;

        Assert.Equal((1L, 3L, 1L), (after.Batches - before.Batches, after.Writes - before.Writes, after.Splits - before.Splits));
        Assert.Equal((OutcomeStatus.Applied, 2L), (applied.Status, applied.Version));
        Assert.Equal(2L, await VersionAsync(harness, healthy));
        Assert.Equal(2L, await VersionAsync(harness, stale));
        Assert.Equal(1L, await VersionAsync(harness, duplicate));
    }

    [Fact]
    public async Task SiloStopsWithWritesQueued_QueuedWritesCommittedBeforeTheCommitterStops()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var harness = NativeStoreHarness.Create(database);
        var (holder, queued) = (Key("flush-holder"), Key("flush-queued"));
        foreach (var entity in new[] { holder, queued })
        {
            await StoreDriver.SendAsync(harness.Open(entity), StoreDriver.Deposit(entity, "m-0", 1m), T0);
        }

        // The committer waits on a locked row with one write; the next waits in its queue when the
        // silo stops (the committer is disposed).
        await using var locker = await harness.DataSource.OpenConnectionAsync();
        await using var transaction = await locker.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand($"SELECT 1 FROM once_entity WHERE entity_key = '{holder}' FOR UPDATE", locker, transaction))
        {
            await lockRow.ExecuteNonQueryAsync();
        }

        var held = StoreDriver.SendAsync(harness.Open(holder), StoreDriver.Deposit(holder, "m-1", 1m), T0.AddSeconds(1));
        await Eventually.TrueAsync(
            async () => await ScalarAsync(harness.DataSource, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'") == 1,
            "the committer never waited on the locked row");
        var waiting = StoreDriver.SendAsync(harness.Open(queued), StoreDriver.Deposit(queued, "m-1", 1m), T0.AddSeconds(1));
        await Eventually.TrueAsync(() => Task.FromResult(harness.Committer.Queued == 1), "the second write was never queued");
        var stopping = harness.Committer.DisposeAsync().AsTask();
        await transaction.CommitAsync();
        await stopping;

        Assert.Equal((OutcomeStatus.Applied, 2L), ((await held).Status, (await held).Version));
        Assert.Equal((OutcomeStatus.Applied, 2L), ((await waiting).Status, (await waiting).Version));
        Assert.Equal(2L, await VersionAsync(harness, queued));
    }

    [Fact]
    public async Task CommitterConnectionKilled_ThatWriteUnknown_TheNextOneCommits()
    {
        // The committer keeps its connection between batches: after the server dropped it, the write
        // on it fails as "outcome unknown", and the next write must get a new connection.
        var database = await postgres.CreateDatabaseAsync();
        await using var harness = NativeStoreHarness.Create(database);
        var account = Key("killed");
        await StoreDriver.SendAsync(harness.Open(account), StoreDriver.Deposit(account, "m-0", 1m), T0);
        var store = harness.Open(account);
        await store.EnsureLoadedAsync();

        await ExecuteAsync(harness.DataSource, "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
        harness.DataSource.Clear();

        await Assert.ThrowsAsync<EntityStoreUnavailableException>(() => StoreDriver.SendAsync(store, StoreDriver.Deposit(account, "m-1", 1m), T0.AddSeconds(1)));
        var retried = await StoreDriver.SendAsync(harness.Open(account), StoreDriver.Deposit(account, "m-1", 1m), T0.AddSeconds(2));

        Assert.Equal((OutcomeStatus.Applied, 2L), (retried.Status, retried.Version));
        Assert.Equal(2L, await VersionAsync(harness, account));
    }

    [Fact]
    public async Task ManyEntitiesAtOnce_FewerCommitsThanWrites_EveryWriteCommittedOnce()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var harness = NativeStoreHarness.Create(database);
        var entities = Enumerable.Range(0, 200).Select(i => Key($"many-{i}")).ToArray();

        var outcomes = await Task.WhenAll(entities.Select(e => StoreDriver.SendAsync(harness.Open(e), StoreDriver.Deposit(e, "m-1", 3m), T0)));

        var counts = harness.Committer.Counts;
        Assert.All(outcomes, o => Assert.Equal((OutcomeStatus.Applied, 1L), (o.Status, o.Version)));
        Assert.Equal(200L, counts.Writes);
        Assert.True(counts.Batches < counts.Writes / 2, $"{counts.Batches} commits for {counts.Writes} writes");
        Assert.Equal(200L, await ScalarAsync(harness.DataSource, "SELECT count(*) FROM once_ledger WHERE message_id = 'm-1'"));
    }

    /// <summary>
    /// A write carries any mix of ledger rows, outbox rows to add and outbox rows to delete (an
    /// at-least-once deposit carries none, a delivery only deletions), and the committer writes each
    /// mix with a statement of its own parts: every part of every mix lands, and nothing else.
    /// </summary>
    [Theory]
    [InlineData(false, false, false)]
    [InlineData(true, false, false)]
    [InlineData(false, true, false)]
    [InlineData(true, true, false)]
    [InlineData(false, false, true)]
    [InlineData(true, false, true)]
    [InlineData(false, true, true)]
    [InlineData(true, true, true)]
    public async Task WriteOfEachMix_EntityLedgerAndOutboxRowsAsWritten(bool ledger, bool emitted, bool delivered)
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var harness = NativeStoreHarness.Create(database);
        var entity = Key("mix").ToString();
        // The first write makes the row and leaves an outbox row for the write under test to delete.
        Assert.True(await harness.Committer.CommitAsync(new PendingWrite(entity, 0, 1, "{\"n\":1}", null, [], [new OutboxRow("o-old", 1L << 16, "{}")], [])));

        var write = new PendingWrite(
            entity,
            expectedEtag: 1,
            version: 2,
            data: "{\"n\":2}",
            floor: null,
            ledger: ledger ? [new LedgerEntry("m-2", "fingerprint", new RecordedOutcome(OutcomeStatus.Applied, 2, "{}"), T0, T0)] : [],
            emitted: emitted ? [new OutboxRow("o-new", 2L << 16, "{}")] : [],
            delivered: delivered ? ["o-old"] : []);
        Assert.True(await harness.Committer.CommitAsync(write));

        Assert.Equal(2L, await ScalarAsync(harness.DataSource, $"SELECT version FROM once_entity WHERE entity_key = '{entity}'"));
        Assert.Equal(ledger ? 1L : 0L, await ScalarAsync(harness.DataSource, $"SELECT count(*) FROM once_ledger WHERE entity_key = '{entity}' AND message_id = 'm-2' AND status = 0 AND version = 2"));
        Assert.Equal(emitted ? 1L : 0L, await ScalarAsync(harness.DataSource, $"SELECT count(*) FROM once_outbox WHERE entity_key = '{entity}' AND message_id = 'o-new'"));
        Assert.Equal(delivered ? 0L : 1L, await ScalarAsync(harness.DataSource, $"SELECT count(*) FROM once_outbox WHERE entity_key = '{entity}' AND message_id = 'o-old'"));
        Assert.Equal((ledger ? 1L : 0L, (emitted ? 1L : 0L) + (delivered ? 0L : 1L)), (
            await ScalarAsync(harness.DataSource, "SELECT count(*) FROM once_ledger"),
            await ScalarAsync(harness.DataSource, "SELECT count(*) FROM once_outbox")));
    }

    private static EntityKey Key(string name) => new("accounts", name + "-" + Guid.NewGuid().ToString("N")[..6]);

    private static async Task<long> VersionAsync(NativeStoreHarness harness, EntityKey entity)
    {
        var store = harness.Open(entity);
        await store.EnsureLoadedAsync();
        return store.Current.Version;
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }
}
