using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Once.Abstractions;
using Once.Core;
using Once.Grains;
using Once.Hosting;
using Once.Hosting.Postgres;
using Orleans.Storage;
using Orleans.TestingHost;

namespace Once.Postgres.Tests.Stores;

/// <summary>One entity store implementation as the compliance tests see it.</summary>
public abstract class StoreHarness : IAsyncDisposable
{
    public static readonly LedgerOptions Ledger = new() { Retention = TimeSpan.FromDays(7), MaxEntries = 4 };

    /// <summary>A new store for the entity, as a new activation would get it.</summary>
    public abstract IEntityStore Open(EntityKey entity);

    /// <summary>
    /// Lets the store forget the entity's ids that are past retention at <paramref name="now"/>, its
    /// own way: the grain-storage layout prunes as part of the next write, the native store's
    /// retention job deletes rows in the background.
    /// </summary>
    public abstract Task ForgetExpiredAsync(EntityKey entity, DateTimeOffset now);

    /// <summary>Stores a ledger floor for the entity behind the store's back, as data written by an earlier version may hold it.</summary>
    public abstract Task SetStoredFloorAsync(EntityKey entity, DateTimeOffset floor);

    public abstract ValueTask DisposeAsync();
}

/// <summary>The native store, over its own tables, with its own group committer.</summary>
internal sealed class NativeStoreHarness : StoreHarness
{
    private const string ServiceId = "compliance";
    private readonly NpgsqlDataSource _dataSource;
    private readonly PostgresCommitter _committer;

    private NativeStoreHarness(string connectionString)
    {
        _dataSource = NpgsqlDataSource.Create(connectionString);
        _committer = new PostgresCommitter(_dataSource, ServiceId, Options.Create(new PostgresStoreOptions()), NullLogger<PostgresCommitter>.Instance);
        Stores = new PostgresEntityStores(_dataSource, ServiceId, _committer, Options.Create(Ledger));
    }

    public PostgresEntityStores Stores { get; }

    public PostgresCommitter Committer => _committer;

    public NpgsqlDataSource DataSource => _dataSource;

    public static NativeStoreHarness Create(string connectionString) => new(connectionString);

    public override IEntityStore Open(EntityKey entity) => Stores.Open(entity, null!);

    public override async Task ForgetExpiredAsync(EntityKey entity, DateTimeOffset now)
    {
        var pruner = new PostgresLedgerPruner(
            _dataSource, ServiceId, Options.Create(Ledger), Options.Create(new PostgresStoreOptions { PruneBatchSize = 2 }), new FixedTime(now), NullLogger<PostgresLedgerPruner>.Instance);
        await pruner.PruneAsync(CancellationToken.None);
    }

    public override async Task SetStoredFloorAsync(EntityKey entity, DateTimeOffset floor)
    {
        await using var command = _dataSource.CreateCommand("UPDATE once_entity SET ledger_floor = $3 WHERE entity_key = $1 AND service_id = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = entity.ToString() });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ServiceId });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = floor.UtcDateTime });
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    public override async ValueTask DisposeAsync()
    {
        await _committer.DisposeAsync();
        await _dataSource.DisposeAsync();
    }
}

/// <summary>
/// The grain-storage store over a real Orleans grain storage provider of a one-silo cluster: the
/// ADO.NET provider on PostgreSQL, or Orleans' memory provider.
/// </summary>
internal sealed class GrainStorageHarness : StoreHarness
{
    private readonly InProcessTestCluster _cluster;
    private readonly IGrainStorage _storage;

    private GrainStorageHarness(InProcessTestCluster cluster, IGrainStorage storage)
    {
        _cluster = cluster;
        _storage = storage;
    }

    public static async Task<GrainStorageHarness> StartAsync(string? connectionString)
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ConfigureFileLogging = false;
        builder.Options.ServiceId = "compliance-" + Guid.NewGuid().ToString("N")[..8];
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddOnceEngine();
            if (connectionString is null)
            {
                silo.AddMemoryGrainStorage(EntityGrainNames.StorageName);
            }
            else
            {
                silo.AddAdoNetGrainStorage(EntityGrainNames.StorageName, o => (o.Invariant, o.ConnectionString) = ("Npgsql", connectionString));
            }
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return new GrainStorageHarness(cluster, cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(EntityGrainNames.StorageName));
    }

    public override IEntityStore Open(EntityKey entity)
    {
        var state = State(entity);
        // Orleans reads the state when it activates the grain; here the first load does.
        state.ReadStateAsync().GetAwaiter().GetResult();
        return new PersistentEntityStore(state, Ledger.MaxFutureSkew, TimeProvider.System);
    }

    public override async Task SetStoredFloorAsync(EntityKey entity, DateTimeOffset floor)
    {
        var state = State(entity);
        await state.ReadStateAsync();
        state.State.LedgerFloor = floor;
        await state.WriteStateAsync();
    }

    private StorageBackedState<EntityState> State(EntityKey entity) =>
        new(_storage, EntityGrainNames.StateName, GrainId.Create("entity", entity.ToString()));

    public override async Task ForgetExpiredAsync(EntityKey entity, DateTimeOffset now)
    {
        var store = Open(entity);
        await store.EnsureLoadedAsync();
        await StoreDriver.SendAsync(store, StoreDriver.Deposit(entity, "prune-" + Guid.NewGuid().ToString("N")[..8], 1), now);
    }

    public override async ValueTask DisposeAsync() => await _cluster.DisposeAsync();
}
