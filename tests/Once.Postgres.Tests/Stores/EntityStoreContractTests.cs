using System.Text.Json;
using Once.Abstractions;
using Once.Core;
using Once.Grains;
using Once.Testing;

namespace Once.Postgres.Tests.Stores;

/// <summary>
/// What every entity store must do, whatever its layout: each store implementation runs this whole
/// suite (<see cref="NativeStoreContractTests"/>, <see cref="AdoNetGrainStorageContractTests"/>,
/// <see cref="MemoryGrainStorageContractTests"/>). The store is driven like the entity grain drives it,
/// with the real engine deciding.
/// </summary>
public abstract class EntityStoreContractTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);
    private StoreHarness? _harness;

    protected StoreHarness Harness => _harness ?? throw new InvalidOperationException("Not started.");

    protected abstract Task<StoreHarness> CreateHarnessAsync();

    public async Task InitializeAsync() => _harness = await CreateHarnessAsync();

    public async Task DisposeAsync()
    {
        if (_harness is not null)
        {
            await _harness.DisposeAsync();
        }
    }

    private static EntityKey NewAccount() => new("accounts", "c-" + Guid.NewGuid().ToString("N")[..10]);

    [Fact]
    public async Task CommitThenReopen_StateVersionAndLedgerRoundTrip_ReplayGetsFirstOutcome()
    {
        var account = NewAccount();
        var store = Harness.Open(account);
        var first = await StoreDriver.SendAsync(store, StoreDriver.Deposit(account, "m-1", 40m), T0);
        await StoreDriver.SendAsync(store, StoreDriver.Deposit(account, "m-2", 2.5m), T0.AddSeconds(1));

        var reopened = Harness.Open(account);
        var replay = await StoreDriver.SendAsync(reopened, StoreDriver.Deposit(account, "m-1", 40m), T0.AddSeconds(2));

        Assert.Equal((2L, "{\"balance\":42.5,\"limit\":0}"), (reopened.Current.Version, reopened.Current.Data));
        Assert.Equal(first with { Replayed = true }, replay);
    }

    [Fact]
    public async Task NeverWritten_Load_VersionZeroNoDataEmptyOutbox()
    {
        var store = Harness.Open(NewAccount());
        await store.EnsureLoadedAsync();

        Assert.Equal((0L, (string?)null, 0), (store.Current.Version, store.Current.Data, store.Current.Outbox.Count));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TwoActivations_SecondCommitsOnStaleVersion_RefusedAndStorageKeepsTheFirst(bool entityExists)
    {
        var account = NewAccount();
        if (entityExists)
        {
            await StoreDriver.SendAsync(Harness.Open(account), StoreDriver.Deposit(account, "m-0", 1m), T0);
        }

        var first = Harness.Open(account);
        var stale = Harness.Open(account);
        await first.EnsureLoadedAsync();
        await stale.EnsureLoadedAsync();
        await StoreDriver.SendAsync(first, StoreDriver.Deposit(account, "m-1", 10m), T0.AddSeconds(1));

        await Assert.ThrowsAsync<StaleWriteException>(() => StoreDriver.SendAsync(stale, StoreDriver.Deposit(account, "m-2", 20m), T0.AddSeconds(2)));

        var check = Harness.Open(account);
        await check.EnsureLoadedAsync();
        var expectedVersion = entityExists ? 2L : 1L;
        Assert.Equal(expectedVersion, check.Current.Version);
        Assert.Equal(entityExists ? 11m : 10m, Balance(check));
        await check.FindEntryAsync("m-2");
        Assert.False(check.Current.TryGetEntry("m-2", out _));

        // The stale store reloads and decides again on fresh state.
        var retried = await StoreDriver.SendAsync(stale, StoreDriver.Deposit(account, "m-2", 20m), T0.AddSeconds(3));
        Assert.Equal((OutcomeStatus.Applied, expectedVersion + 1), (retried.Status, retried.Version));
    }

    [Fact]
    public async Task SecondRecordOfAnId_CommitRefused_NothingOfItStored()
    {
        var account = NewAccount();
        var store = Harness.Open(account);
        await StoreDriver.SendAsync(store, StoreDriver.Deposit(account, "m-1", 5m), T0);
        var again = new LedgerEntry("m-1", "other-fingerprint", new RecordedOutcome(OutcomeStatus.Applied, 2, "{}"), T0.AddSeconds(1));

        await Assert.ThrowsAnyAsync<Exception>(() =>
            store.CommitAsync(new EntityChange(2, "{\"balance\":99,\"limit\":0}", again, 0, store.Current.LedgerFloor)));

        var check = Harness.Open(account);
        await check.EnsureLoadedAsync();
        await check.FindEntryAsync("m-1");
        Assert.Equal((1L, 5m), (check.Current.Version, Balance(check)));
        Assert.True(check.Current.TryGetEntry("m-1", out var kept));
        Assert.NotEqual("other-fingerprint", kept.Fingerprint);
    }

    [Fact]
    public async Task Outbox_AddedThenOneDelivered_KeptInOrderThenOnlyTheOtherRemains()
    {
        var account = NewAccount();
        var store = Harness.Open(account);
        await store.EnsureLoadedAsync();
        var first = Effect(account, "e-1");
        var second = Effect(account, "e-2");
        await store.CommitAsync(EntityEngine.Outboxed(store.Current, first));
        await store.CommitAsync(EntityEngine.Outboxed(store.Current, second));

        var reopened = Harness.Open(account);
        await reopened.EnsureLoadedAsync();
        Assert.Equal([first, second], reopened.Current.Outbox);

        await reopened.CommitAsync(EntityEngine.Delivered(reopened.Current, [first.Envelope.MessageId]));
        var check = Harness.Open(account);
        await check.EnsureLoadedAsync();
        Assert.Equal([second], check.Current.Outbox);
    }

    [Fact]
    public async Task Retention_IdsPastTheWindowForgotten_FloorRefusesTheirRedelivery_RecentIdsStillAnswered()
    {
        var account = NewAccount();
        var producedLate = T0.AddMinutes(1);
        var store = Harness.Open(account);
        await StoreDriver.SendAsync(store, StoreDriver.Deposit(account, "old", 1m, producedAt: producedLate), T0);
        var recent = await StoreDriver.SendAsync(store, StoreDriver.Deposit(account, "recent", 2m), T0.AddDays(6));
        var now = T0.AddDays(7).AddHours(1);

        await Harness.ForgetExpiredAsync(account, now);

        var check = Harness.Open(account);
        await check.EnsureLoadedAsync();
        await check.FindEntryAsync("old");
        Assert.False(check.Current.TryGetEntry("old", out _));
        Assert.True(check.Current.LedgerFloor >= producedLate, $"floor {check.Current.LedgerFloor} is before the forgotten id's producer time {producedLate}");
        var redelivery = await StoreDriver.SendAsync(check, StoreDriver.Deposit(account, "old", 1m, producedAt: producedLate), now);
        var replay = await StoreDriver.SendAsync(check, StoreDriver.Deposit(account, "recent", 2m), now);
        Assert.Equal(OutcomeStatus.Expired, redelivery.Status);
        Assert.Equal(recent with { Replayed = true }, replay);
    }

    [Fact]
    public async Task Retention_IdStoredWithProducerTimeFarAhead_FloorCappedAtFirstSeenPlusSkew_LaterMessagesApplied()
    {
        var account = NewAccount();
        var store = Harness.Open(account);
        await StoreDriver.SendAsync(store, StoreDriver.Deposit(account, "m-1", 1m), T0);
        // An id recorded before producer times were bounded (the engine refuses such a message now).
        var current = store.Current;
        var ahead = new LedgerEntry("ahead", "fingerprint", new RecordedOutcome(OutcomeStatus.Applied, current.Version + 1), T0,
            new DateTimeOffset(9999, 12, 31, 23, 59, 59, TimeSpan.Zero));
        await store.CommitAsync(new EntityChange(current.Version + 1, current.Data, ahead, 0, current.LedgerFloor));
        var now = T0.AddDays(8);

        await Harness.ForgetExpiredAsync(account, now);

        var check = Harness.Open(account);
        await check.EnsureLoadedAsync();
        var cap = T0 + StoreHarness.Ledger.MaxFutureSkew;
        Assert.True(check.Current.LedgerFloor <= cap, $"floor {check.Current.LedgerFloor} is past the forgotten id's first sighting plus the skew ({cap})");
        var later = await StoreDriver.SendAsync(check, StoreDriver.Deposit(account, "later", 1m, producedAt: now), now);
        Assert.Equal(OutcomeStatus.Applied, later.Status);
    }

    [Fact]
    public async Task Load_FloorStoredFarAhead_CappedAtNowPlusSkewAndKeptSo_MessagesApplied()
    {
        var account = NewAccount();
        var store = Harness.Open(account);
        await StoreDriver.SendAsync(store, StoreDriver.Deposit(account, "m-1", 1m), T0);
        // The floor as a producer time of 9999, pruned before such times were refused, left it.
        await Harness.SetStoredFloorAsync(account, new DateTimeOffset(9999, 12, 31, 23, 59, 59, TimeSpan.Zero));

        var reopened = Harness.Open(account);
        await reopened.EnsureLoadedAsync();
        var cap = DateTimeOffset.UtcNow + StoreHarness.Ledger.MaxFutureSkew;
        Assert.True(reopened.Current.LedgerFloor <= cap, $"floor {reopened.Current.LedgerFloor} is still past now plus the skew ({cap})");
        var next = await StoreDriver.SendAsync(reopened, StoreDriver.Deposit(account, "m-2", 1m), DateTimeOffset.UtcNow);
        Assert.Equal(OutcomeStatus.Applied, next.Status);

        var again = Harness.Open(account);
        await again.EnsureLoadedAsync();
        Assert.True(again.Current.LedgerFloor <= cap, $"the capped floor was not kept: {again.Current.LedgerFloor}");
    }

    [Fact]
    public async Task CommitFailsAfterStorageCommitted_StoreReloads_RetryIsAReplayNotASecondApply()
    {
        var account = NewAccount();
        var faults = new EntityStoreFaults();
        var store = faults.Wrap(new HarnessProvider(Harness)).Open(account, null!);
        faults.Arm(account, StoreFault.FailAfterCommit);

        await Assert.ThrowsAsync<EntityStoreUnavailableException>(() => StoreDriver.SendAsync(store, StoreDriver.Deposit(account, "m-1", 7m), T0));
        var retry = await StoreDriver.SendAsync(store, StoreDriver.Deposit(account, "m-1", 7m), T0.AddSeconds(1));

        Assert.Equal(1, faults.Fired(account));
        Assert.Equal((OutcomeStatus.Applied, 1L, true), (retry.Status, retry.Version, retry.Replayed));
        Assert.Equal(7m, Balance(store));
    }

    [Fact]
    public async Task CommitFailsBeforeAnythingStored_RetryAppliesOnce()
    {
        var account = NewAccount();
        var faults = new EntityStoreFaults();
        var store = faults.Wrap(new HarnessProvider(Harness)).Open(account, null!);
        faults.Arm(account, StoreFault.FailBeforeCommit);

        await Assert.ThrowsAsync<EntityStoreUnavailableException>(() => StoreDriver.SendAsync(store, StoreDriver.Deposit(account, "m-1", 7m), T0));
        var retry = await StoreDriver.SendAsync(store, StoreDriver.Deposit(account, "m-1", 7m), T0.AddSeconds(1));

        Assert.Equal((OutcomeStatus.Applied, 1L, false), (retry.Status, retry.Version, retry.Replayed));
        Assert.Equal(7m, Balance(Harness.Open(account), load: true));
    }

    private static OutboxEntry Effect(EntityKey source, string id) =>
        new(new MessageEnvelope(new MessageId(id), source, "http-post", "{}"), Call: new HttpEffect("http://127.0.0.1:9/hook", "{\"n\":1}"));

    private static decimal Balance(IEntityStore store, bool load = false)
    {
        if (load)
        {
            store.EnsureLoadedAsync().GetAwaiter().GetResult();
        }

        using var document = JsonDocument.Parse(store.Current.Data!);
        return document.RootElement.GetProperty("balance").GetDecimal();
    }

    private sealed class HarnessProvider(StoreHarness harness) : IEntityStoreProvider
    {
        public IEntityStore Open(EntityKey entity, IGrainContext grain) => harness.Open(entity);
    }
}

[Collection(PostgresCollection.Name)]
public sealed class NativeStoreContractTests(PostgresServer postgres) : EntityStoreContractTests
{
    protected override async Task<StoreHarness> CreateHarnessAsync() => NativeStoreHarness.Create(await postgres.DatabaseForAsync(GetType()));
}

[Collection(PostgresCollection.Name)]
public sealed class AdoNetGrainStorageContractTests(PostgresServer postgres) : EntityStoreContractTests
{
    protected override async Task<StoreHarness> CreateHarnessAsync() => await GrainStorageHarness.StartAsync(await postgres.DatabaseForAsync(GetType()));
}

[Collection(PostgresCollection.Name)]
public sealed class MemoryGrainStorageContractTests : EntityStoreContractTests
{
    protected override async Task<StoreHarness> CreateHarnessAsync() => await GrainStorageHarness.StartAsync(null);
}
