using Npgsql;
using Once.Abstractions;
using Once.Grains;
using Once.Hosting;
using Orleans.TestingHost;

namespace Once.Postgres.Tests.Stores;

/// <summary>
/// What the dead-letter store does on every entity store: paging oldest first with the total,
/// replacing an entry set aside again, removing. Driven through the dead-letter grain, which keeps its
/// entries in the native store's table or in its own grain state.
/// </summary>
public abstract class DeadLetterStoreContractTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 10, 0, 0, TimeSpan.Zero);
    private InProcessTestCluster? _cluster;

    protected IDeadLetterGrain Store => (_cluster ?? throw new InvalidOperationException("Not started.")).Client.GetGrain<IDeadLetterGrain>(IDeadLetterGrain.Key);

    /// <summary>How silos set messages aside (not open to callers).</summary>
    private IDeadLetterWriterGrain Writer => (_cluster ?? throw new InvalidOperationException("Not started.")).Client.GetGrain<IDeadLetterWriterGrain>(IDeadLetterGrain.Key);

    protected abstract Task<InProcessTestCluster> StartAsync();

    public async Task InitializeAsync() => _cluster = await StartAsync();

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task SevenDeadLetters_PagedOldestFirst_EveryPageCarriesTheTotal()
    {
        var added = Enumerable.Range(0, 7).Select(i => Letter($"d-{i}", T0.AddMinutes(i))).ToArray();
        // Each set aside at its own time, one after another, as entities set them aside.
        foreach (var deadLetter in added)
        {
            await Writer.AddAsync(deadLetter);
        }

        var pages = new[] { await Store.ListAsync(0, 3), await Store.ListAsync(3, 3), await Store.ListAsync(6, 3), await Store.ListAsync(9, 3) };

        Assert.Equal(added[..3], pages[0].Items);
        Assert.Equal(added[3..6], pages[1].Items);
        Assert.Equal(added[6..], pages[2].Items);
        Assert.Empty(pages[3].Items);
        Assert.All(pages, page => Assert.Equal(7, page.Total));
    }

    [Fact]
    public async Task SetAsideAgain_ReplacesTheEntry_RemoveDeletesItOnce()
    {
        await Writer.AddAsync(Letter("d-1", T0));
        var again = Letter("d-1", T0.AddMinutes(5)) with { Reason = "failed again", Attempts = 3 };
        await Writer.AddAsync(again);

        var listed = await Store.ListAsync(0, 10);
        Assert.Equal([again], listed.Items);
        Assert.Equal(1, listed.Total);
        Assert.Equal(again, await Store.GetAsync("d-1"));
        Assert.True(await Store.RemoveAsync("d-1"));
        Assert.False(await Store.RemoveAsync("d-1"));
        Assert.Null(await Store.GetAsync("d-1"));
        Assert.Equal(0, (await Store.ListAsync(0, 10)).Total);
    }

    private static DeadLetter Letter(string id, DateTimeOffset at) =>
        new(id, new MessageEnvelope(new MessageId("m-" + id), new EntityKey("accounts", "a-" + id), "deposit", "{\"amount\":1}"), "handler failed", "stream", 2, at);
}

[Collection(PostgresCollection.Name)]
public sealed class NativeDeadLetterContractTests(PostgresServer postgres) : DeadLetterStoreContractTests
{
    protected override async Task<InProcessTestCluster> StartAsync() =>
        await PostgresCluster.StartAsync(await postgres.CreateDatabaseAsync(), "dl-native-" + Guid.NewGuid().ToString("N")[..8], silos: 1, nativeStore: true);
}

[Collection(PostgresCollection.Name)]
public sealed class AdoNetGrainStorageDeadLetterContractTests(PostgresServer postgres) : DeadLetterStoreContractTests
{
    protected override async Task<InProcessTestCluster> StartAsync() =>
        await PostgresCluster.StartAsync(await postgres.CreateDatabaseAsync(), "dl-adonet-" + Guid.NewGuid().ToString("N")[..8], silos: 1);
}

[Collection(PostgresCollection.Name)]
public sealed class MemoryGrainStorageDeadLetterContractTests : DeadLetterStoreContractTests
{
    protected override async Task<InProcessTestCluster> StartAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, silo) => silo.AddOnceInMemory());
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }
}

/// <summary>Dead letters an older deployment kept in the grain state move into the native store's table.</summary>
[Collection(PostgresCollection.Name)]
public sealed class DeadLetterMoveTests(PostgresServer postgres)
{
    [Fact]
    public async Task DeadLettersInGrainState_NativeStoreStarts_MovedIntoTheTableAndStillListed()
    {
        var database = await postgres.CreateDatabaseAsync();
        var serviceId = "dl-move-" + Guid.NewGuid().ToString("N")[..8];
        var deadLetter = new DeadLetter("d-old", new MessageEnvelope(new MessageId("m-old"), new EntityKey("accounts", "a-old"), "deposit", "{\"amount\":1}"), "failed", "stream", 2, DateTimeOffset.UnixEpoch.AddYears(56));
        await using (var old = await PostgresCluster.StartAsync(database, serviceId, silos: 1))
        {
            await old.Client.GetGrain<IDeadLetterWriterGrain>(IDeadLetterGrain.Key).AddAsync(deadLetter);
        }

        await using var native = await PostgresCluster.StartAsync(database, serviceId, silos: 1, nativeStore: true);
        var listed = await native.Client.GetGrain<IDeadLetterGrain>(IDeadLetterGrain.Key).ListAsync(0, 10);

        Assert.Equal([deadLetter], listed.Items);
        Assert.Equal(1, listed.Total);
        await using var sql = new NpgsqlConnection(database);
        await sql.OpenAsync();
        Assert.Equal(1L, await Sql.CountAsync(sql, "SELECT count(*) FROM once_dead_letter WHERE id = 'd-old'"));
        Assert.Equal(0L, await Sql.CountAsync(sql, "SELECT count(*) FROM once_grain_state WHERE state_name = 'once-dead-letters' AND convert_from(payload, 'UTF8')::jsonb -> 'Items' <> '[]'::jsonb"));
    }
}
