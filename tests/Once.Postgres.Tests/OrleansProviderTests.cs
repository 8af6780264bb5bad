using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Once.Abstractions;
using Once.Core;
using Once.Grains;
using Orleans.Storage;
using Orleans.TestingHost;
using static Once.Postgres.Tests.PostgresCluster;

namespace Once.Postgres.Tests;

/// <summary>
/// The schema under the real Microsoft.Orleans.Persistence.AdoNet provider and the Once engine:
/// durability across a full cluster restart, the stored format, and fencing of a stale activation.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class OrleansProviderTests(PostgresServer server) : IAsyncLifetime
{
    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = new TestDatabase(await server.DatabaseForAsync(GetType()));

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task ClusterRestart_AppliedMessages_StateVersionAndLedgerSurviveAndReplayGetsFirstOutcome()
    {
        var serviceId = "restart-" + Guid.NewGuid().ToString("N");
        var account = new EntityKey("accounts", "restart-1");
        MessageOutcome deposit;
        MessageOutcome withdraw;
        await using (var cluster = await StartAsync(_db.ConnectionString, serviceId))
        {
            deposit = await cluster.Client.SendAsync(Deposit(account, "m-1", 10));
            withdraw = await cluster.Client.SendAsync(Withdraw(account, "m-2", 3));
            Assert.Equal(OutcomeStatus.Applied, deposit.Status);
            Assert.Equal(OutcomeStatus.Applied, withdraw.Status);
        }

        await using (var cluster = await StartAsync(_db.ConnectionString, serviceId))
        {
            var snapshot = await cluster.Client.GetEntityAsync(account);
            var replay = await cluster.Client.SendAsync(Deposit(account, "m-1", 10));
            var lookedUp = await cluster.Client.GetOutcomeAsync(account, new MessageId("m-2"));
            var after = await cluster.Client.GetEntityAsync(account);

            Assert.NotNull(snapshot);
            Assert.Equal(2, snapshot.Version);
            Assert.Equal(7m, Balance(snapshot));
            Assert.True(replay.Replayed);
            Assert.Equal(deposit.Status, replay.Status);
            Assert.Equal(deposit.Version, replay.Version);
            Assert.Equal(deposit.Result, replay.Result);
            Assert.NotNull(lookedUp);
            Assert.Equal(withdraw.Version, lookedUp.Version);
            Assert.Equal(withdraw.Result, lookedUp.Result);
            Assert.Equal(2, after!.Version);
            Assert.Equal(7m, Balance(after));
        }

        // Two committed writes, no more: the replay after the restart wrote nothing.
        Assert.Equal(2, await StoredVersionAsync(serviceId, account));
    }

    [Fact]
    public async Task StoredEntityRow_AfterMessage_IsReadableJsonWithoutTypeNamesUnderStringKey()
    {
        var serviceId = "json-" + Guid.NewGuid().ToString("N");
        var account = new EntityKey("accounts", "json-1");
        await using (var cluster = await StartAsync(_db.ConnectionString, serviceId))
        {
            await cluster.Client.SendAsync(Deposit(account, "m-1", 10));
        }

        var row = Assert.Single(await _db.QueryAsync(
            """
            SELECT convert_from(payload, 'UTF8') AS json, grain_id_n0, grain_id_n1, version
              FROM once_grain_state
             WHERE service_id = @s AND state_name = @n AND grain_id_ext = @k
            """,
            Param.Text("s", serviceId), Param.Text("n", EntityGrainNames.StateName), Param.Text("k", account.ToString())));

        var json = (string)row["json"]!;
        Assert.DoesNotContain("$type", json, StringComparison.Ordinal);
        Assert.DoesNotContain("Once.EntityState", json, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(json);
        var ledger = Property(document.RootElement, "Ledger");
        Assert.Equal("m-1", Property(Assert.Single(ledger.EnumerateArray()), "MessageId").GetString());
        Assert.Equal(1, Property(document.RootElement, "Version").GetInt64());
        // A string grain key is stored whole in the extension, never parsed into N0/N1.
        Assert.Equal(0L, row["grain_id_n0"]);
        Assert.Equal(0L, row["grain_id_n1"]);
        Assert.Equal(1, row["version"]);
    }

    [Fact]
    public async Task StaleActivation_NewerRowWrittenBehindItsBack_DoesNotApplyTwice()
    {
        var (outcome, snapshot, storedVersion) = await RunStaleActivationScenarioAsync();

        // The stale activation's write was refused; it re-read the row and found m-2 in the ledger.
        Assert.Equal(OutcomeStatus.Applied, outcome.Status);
        Assert.True(outcome.Replayed);
        Assert.Equal(2, outcome.Version);
        Assert.Equal(2, snapshot.Version);
        Assert.Equal(15m, Balance(snapshot));
        Assert.Equal(2, storedVersion);
    }

    [Fact]
    public async Task StaleActivation_WithBlindWrites_AppliesAgain()
    {
        // Negative control: with a WriteToStorageKey that ignores the expected version, the same
        // scenario lets the stale activation decide on old state and overwrite: the checker above fails.
        // The query text is changed, so this test needs a database of its own.
        _db = new TestDatabase(await server.CreateDatabaseAsync());
        await _db.QueryAsync(
            """
            UPDATE orleansquery SET querytext =
            'INSERT INTO once_grain_state (service_id, state_name, grain_id_n0, grain_id_n1, grain_id_ext, payload, version)
             VALUES (@ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, @GrainIdExtensionString, @PayloadBinary, 1)
             ON CONFLICT ON CONSTRAINT once_grain_state_identity
             DO UPDATE SET payload = EXCLUDED.payload, version = once_grain_state.version + 1
             RETURNING version AS NewGrainStateVersion'
            WHERE querykey = 'WriteToStorageKey'
            """);

        var (outcome, _, storedVersion) = await RunStaleActivationScenarioAsync();

        Assert.False(outcome.Replayed);
        Assert.Equal(3, storedVersion);
    }

    [Fact]
    public async Task Provider_ConcurrentFirstWritesOfOneState_OneSucceedsOneGetsInconsistentStateException()
    {
        var serviceId = "provider-" + Guid.NewGuid().ToString("N");
        await using var cluster = await StartAsync(_db.ConnectionString, serviceId, silos: 1);
        var storage = Storage(cluster, EntityGrainNames.StorageName);

        for (var i = 0; i < 10; i++)
        {
            var grainId = GrainId.Create("probe", $"race-{i}");
            var writers = new[] { NewState(1), NewState(2) };
            var results = await Task.WhenAll(writers.Select(async state =>
            {
                try
                {
                    await storage.WriteStateAsync("probe-state", grainId, state);
                    return null;
                }
                catch (InconsistentStateException e)
                {
                    return e;
                }
            }));

            Assert.Single(results, e => e is null);
            Assert.Single(results, e => e is not null);
            Assert.Single(writers, state => state.ETag == "1");
            Assert.Equal(1L, await _db.ScalarAsync<long>(
                "SELECT count(*) FROM once_grain_state WHERE service_id = @s AND grain_id_ext = @k",
                Param.Text("s", serviceId), Param.Text("k", grainId.Key.ToString())));
        }
    }

    [Fact]
    public async Task Provider_ClearThenWrite_KeepsFencingRowAndContinuesVersion()
    {
        var serviceId = "clear-" + Guid.NewGuid().ToString("N");
        await using var cluster = await StartAsync(_db.ConnectionString, serviceId, silos: 1);
        var storage = Storage(cluster, EntityGrainNames.StorageName);
        var grainId = GrainId.Create("probe", "clear-1");
        var state = NewState(5);

        await storage.WriteStateAsync("probe-state", grainId, state);
        await storage.ClearStateAsync("probe-state", grainId, state);
        var afterClear = state.ETag;
        var reread = NewState(0);
        await storage.ReadStateAsync("probe-state", grainId, reread);
        state.State = new EntityState { Version = 6 };
        await storage.WriteStateAsync("probe-state", grainId, state);

        Assert.Equal("2", afterClear);
        Assert.False(reread.RecordExists);
        Assert.Equal("2", reread.ETag);
        Assert.Equal("3", state.ETag);
        Assert.Equal(3, await StoredVersionAsync(serviceId, "probe-state", grainId.Key.ToString()!));
    }

    [Fact]
    public async Task Provider_DeleteStateOnClear_RemovesRowAndNextWriteStartsOver()
    {
        var serviceId = "delete-" + Guid.NewGuid().ToString("N");
        await using var cluster = await StartAsync(_db.ConnectionString, serviceId, silos: 1);
        var storage = Storage(cluster, DeletingStorageName);
        var grainId = GrainId.Create("probe", "delete-1");
        var state = NewState(5);

        await storage.WriteStateAsync("probe-state", grainId, state);
        await storage.WriteStateAsync("probe-state", grainId, state);
        await storage.ClearStateAsync("probe-state", grainId, state);
        var afterClear = state.ETag;
        var rowsAfterClear = await StoredVersionAsync(serviceId, "probe-state", grainId.Key.ToString()!);
        await storage.WriteStateAsync("probe-state", grainId, state);

        Assert.Null(afterClear);
        Assert.Null(rowsAfterClear);
        Assert.Equal("1", state.ETag);
    }

    /// <summary>
    /// Entity E is at version 1 in a live activation. Behind its back, another writer stores the
    /// state E would have after m-1 and m-2 (taken from a twin entity that processed both; ledger
    /// entries do not depend on the entity key), as the next storage version. Then m-2 reaches the
    /// stale activation.
    /// </summary>
    private async Task<(MessageOutcome Outcome, EntitySnapshot Snapshot, int? StoredVersion)> RunStaleActivationScenarioAsync()
    {
        var serviceId = "fence-" + Guid.NewGuid().ToString("N");
        var entity = new EntityKey("accounts", "fence-e");
        var twin = new EntityKey("accounts", "fence-t");
        await using var cluster = await StartAsync(_db.ConnectionString, serviceId);
        await cluster.Client.SendAsync(Deposit(entity, "m-1", 10));
        await cluster.Client.SendAsync(Deposit(twin, "m-1", 10));
        await cluster.Client.SendAsync(Deposit(twin, "m-2", 5));

        var behindTheBack = await _db.QueryAsync(
            """
            UPDATE once_grain_state AS e
               SET payload = t.payload, version = e.version + 1
              FROM once_grain_state AS t
             WHERE e.service_id = @s AND e.state_name = @n AND e.grain_id_ext = @e
               AND t.service_id = @s AND t.state_name = @n AND t.grain_id_ext = @t
            RETURNING e.version
            """,
            Param.Text("s", serviceId), Param.Text("n", EntityGrainNames.StateName),
            Param.Text("e", entity.ToString()), Param.Text("t", twin.ToString()));
        Assert.Equal(2, Assert.Single(behindTheBack)[0]);

        var outcome = await cluster.Client.SendAsync(Deposit(entity, "m-2", 5));
        var snapshot = await cluster.Client.GetEntityAsync(entity);
        return (outcome, snapshot!, await StoredVersionAsync(serviceId, entity));
    }

    private static IGrainStorage Storage(InProcessTestCluster cluster, string name) =>
        cluster.GetSiloServiceProvider(cluster.Silos[0].SiloAddress).GetRequiredKeyedService<IGrainStorage>(name);

    private static GrainState<EntityState> NewState(long version) => new(new EntityState { Version = version });

    private Task<int?> StoredVersionAsync(string serviceId, EntityKey entity) =>
        StoredVersionAsync(serviceId, EntityGrainNames.StateName, entity.ToString());

    private async Task<int?> StoredVersionAsync(string serviceId, string stateName, string key)
    {
        var rows = await _db.QueryAsync(
            "SELECT version FROM once_grain_state WHERE service_id = @s AND state_name = @n AND grain_id_ext = @k",
            Param.Text("s", serviceId), Param.Text("n", stateName), Param.Text("k", key));
        return rows.Count == 0 ? null : (int)rows[0][0]!;
    }

    private static decimal Balance(EntitySnapshot snapshot)
    {
        using var state = JsonDocument.Parse(snapshot.State);
        return state.RootElement.GetProperty("balance").GetDecimal();
    }

    private static JsonElement Property(JsonElement element, string name) =>
        element.EnumerateObject().First(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)).Value;
}
