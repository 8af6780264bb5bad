using Inventory.Domain;
using Once.Abstractions;
using Once.Core;
using Once.Testing;

namespace Inventory.Tests;

/// <summary>One in-memory cluster for the tests of this class; every test uses its own SKU.</summary>
public sealed class StockCluster : IAsyncLifetime
{
    public OnceTestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await OnceTestCluster.StartAsync(services => services.AddOnceEntityType(new StockHandler()));

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

public sealed class StockTests(StockCluster fixture) : IClassFixture<StockCluster>
{
    private OnceTestCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task Reserve_MoreThanFree_RejectedAndNothingReserved()
    {
        var sku = NewSku();
        await Cluster.SendAsync(OnceTestCluster.Message(sku, "in-1", "receive", new Quantity(5)));

        var reserved = await Cluster.SendAsync(OnceTestCluster.Message(sku, "order-1", "reserve", new Quantity(3)));
        var refused = await Cluster.SendAsync(OnceTestCluster.Message(sku, "order-2", "reserve", new Quantity(3)));

        Assert.Equal(OutcomeStatus.Applied, reserved.Status);
        Assert.Equal((OutcomeStatus.Rejected, StockHandler.OutOfStock), (refused.Status, refused.Reason));
        Assert.Equal("""{"onHand":5,"reserved":3}""", (await Cluster.GetAsync(sku))!.State);
    }

    [Fact]
    public async Task SameReservation_SentThreeTimes_ReservedOnce()
    {
        var sku = NewSku();
        await Cluster.SendAsync(OnceTestCluster.Message(sku, "in-1", "receive", new Quantity(10)));

        var outcomes = new List<MessageOutcome>();
        for (var i = 0; i < 3; i++)
        {
            outcomes.Add(await Cluster.SendAsync(OnceTestCluster.Message(sku, "order-7", "reserve", new Quantity(4))));
        }

        Assert.Equal([false, true, true], outcomes.Select(o => o.Replayed));
        Assert.Equal("""{"onHand":10,"reserved":4}""", (await Cluster.GetAsync(sku))!.State);
    }

    [Fact]
    public async Task CommitFailsAfterItWasStored_ResentWithTheSameId_ReservedOnce()
    {
        var sku = NewSku();
        await Cluster.SendAsync(OnceTestCluster.Message(sku, "in-1", "receive", new Quantity(10)));
        Cluster.Faults.Arm(sku, StoreFault.FailAfterCommit);

        var reserve = OnceTestCluster.Message(sku, "order-9", "reserve", new Quantity(4));
        await Assert.ThrowsAsync<EntityStoreUnavailableException>(() => Cluster.SendAsync(reserve));
        var resent = await Cluster.SendAsync(reserve);

        Assert.Equal(1, Cluster.Faults.Fired(sku));
        Assert.Equal((OutcomeStatus.Applied, true), (resent.Status, resent.Replayed));
        Assert.Equal("""{"onHand":10,"reserved":4}""", (await Cluster.GetAsync(sku))!.State);
    }

    [Fact]
    public async Task CommitFailsBeforeAnythingIsStored_Resent_AppliedOnce()
    {
        var sku = NewSku();
        await Cluster.SendAsync(OnceTestCluster.Message(sku, "in-1", "receive", new Quantity(2)));
        Cluster.Faults.Arm(sku, StoreFault.FailBeforeCommit);

        var release = OnceTestCluster.Message(sku, "in-2", "receive", new Quantity(3));
        await Assert.ThrowsAsync<EntityStoreUnavailableException>(() => Cluster.SendAsync(release));
        var resent = await Cluster.SendAsync(release);

        Assert.Equal((OutcomeStatus.Applied, false), (resent.Status, resent.Replayed));
        Assert.Equal("""{"onHand":5,"reserved":0}""", (await Cluster.GetAsync(sku))!.State);
    }

    [Fact]
    public async Task StaleWrite_TheEntityDecidesAgain_AppliedOnce()
    {
        var sku = NewSku();
        Cluster.Faults.Arm(sku, StoreFault.StaleWrite);

        var received = await Cluster.SendAsync(OnceTestCluster.Message(sku, "in-1", "receive", new Quantity(7)));

        Assert.Equal((OutcomeStatus.Applied, 1L), (received.Status, received.Version));
        Assert.Equal(1, Cluster.Faults.Fired(sku));
        Assert.Equal("""{"onHand":7,"reserved":0}""", (await Cluster.GetAsync(sku))!.State);
    }

    private static EntityKey NewSku() => new(StockHandler.TypeName, "sku-" + Guid.NewGuid().ToString("N")[..8]);
}
