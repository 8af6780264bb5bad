using System.Text.Json;
using Once.Abstractions;
using static Once.Cluster.Tests.Messages;

namespace Once.Cluster.Tests;

/// <summary>
/// Consume-transform-produce: paying an order emits a withdrawal from its account through the order's
/// outbox. Delivery is at-least-once (retried after failures, resumed after the order's activation is
/// lost); the account's ledger makes the pipeline exactly-once end to end.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class PipelineTests(ClusterFixture fixture)
{
    private IClusterClient Client => fixture.Client;

    [Fact]
    public async Task PayOrder_WithdrawsItsTotalFromTheAccountOnce()
    {
        var (order, account) = await PlacedOrderAsync("orders", "accounts", funds: 100m, total: 30m);

        var paid = await Client.SendAsync(Message(order, "pay", "p-1"));

        Assert.Equal("{\"status\":\"paid\"}", paid.Result);
        Assert.Equal(70m, await BalanceEventuallyAsync(account, b => b == 70m));
        await OutboxEventuallyEmptyAsync(order);
    }

    [Fact]
    public async Task PayOrder_AccountRejects_CompensationMovesOrderToPaymentFailed()
    {
        var (order, account) = await PlacedOrderAsync("orders", "accounts", funds: 10m, total: 30m);

        await Client.SendAsync(Message(order, "pay", "p-1"));
        var state = await Eventually.MatchAsync(async () => (await Client.GetEntityAsync(order))!.State, s => s.Contains("payment-failed", StringComparison.Ordinal), "no compensation");

        using var json = JsonDocument.Parse(state);
        Assert.Equal("insufficient-funds", json.RootElement.GetProperty("failureReason").GetString());
        Assert.Equal(10m, await BalanceAsync(Client, account));
    }

    [Fact]
    public async Task DeliveryCommittedButAnswerLost_RetriedDelivery_AppliedOnce()
    {
        var (order, account) = await PlacedOrderAsync("orders", "accounts", funds: 100m, total: 30m);
        fixture.Storage.Arm(account, StorageFault.ThrowAfterWrite);

        await Client.SendAsync(Message(order, "pay", "p-1"));
        await OutboxEventuallyEmptyAsync(order);

        Assert.False(fixture.Storage.IsArmed(account));
        Assert.Equal(70m, await BalanceAsync(Client, account));
        Assert.Equal(2, (await Client.GetEntityAsync(account))!.Version);
    }

    [Fact]
    public async Task DeliveryCommittedButAnswerLost_DedupOff_NegativeControlWithdrawsTwice()
    {
        var (order, account) = await PlacedOrderAsync(ClusterFixture.NoDedupOrders, ClusterFixture.NoDedupAccounts, funds: 100m, total: 30m);
        fixture.Storage.Arm(account, StorageFault.ThrowAfterWrite);

        await Client.SendAsync(Message(order, "pay", "p-1"));
        await OutboxEventuallyEmptyAsync(order);

        Assert.Equal(40m, await BalanceAsync(Client, account));
    }

    [Fact]
    public async Task DeliveredButRemovalFromOutboxFails_DispatcherRetries_AppliedOnce()
    {
        var (order, account) = await PlacedOrderAsync("orders", "accounts", funds: 100m, total: 30m);

        // "pay" commits; the withdrawal is applied; then the write that takes it out of the outbox fails.
        fixture.Storage.Arm(order, StorageFault.ThrowBeforeWrite, skipWrites: 1);
        await Client.SendAsync(Message(order, "pay", "p-1"));
        await OutboxEventuallyEmptyAsync(order);

        Assert.False(fixture.Storage.IsArmed(order));
        Assert.Equal(70m, await BalanceAsync(Client, account));
        Assert.Equal(2, (await Client.GetEntityAsync(account))!.Version);
    }

    [Fact]
    public async Task DeliveredButRemovalFromOutboxFails_DedupOff_NegativeControlWithdrawsTwice()
    {
        var (order, account) = await PlacedOrderAsync(ClusterFixture.NoDedupOrders, ClusterFixture.NoDedupAccounts, funds: 100m, total: 30m);

        fixture.Storage.Arm(order, StorageFault.ThrowBeforeWrite, skipWrites: 1);
        await Client.SendAsync(Message(order, "pay", "p-1"));
        await OutboxEventuallyEmptyAsync(order);

        Assert.Equal(40m, await BalanceAsync(Client, account));
    }

    [Fact]
    public async Task OrderActivationLostAfterStateWrite_OutboxInStorageIsDeliveredOnReactivation()
    {
        var (order, account) = await PlacedOrderAsync("orders", "accounts", funds: 100m, total: 30m);
        fixture.Storage.Arm(account, StorageFault.ThrowBeforeWrite);

        // The order commits "paid" and its outbox; the first delivery fails; then the activation is
        // lost before any retry, as if its silo died right after the state write.
        await Client.SendAsync(Message(order, "pay", "p-1"));
        Assert.Single(fixture.Storage.StoredState(order)!.Outbox);
        await fixture.Cluster.DeactivateAsync(Client.GetEntity(order));
        await Client.GetEntityAsync(order);

        Assert.Equal(70m, await BalanceEventuallyAsync(account, b => b == 70m));
        await OutboxEventuallyEmptyAsync(order);
        Assert.Equal(2, (await Client.GetEntityAsync(account))!.Version);
    }

    [Fact]
    public async Task SamePayDeliveredTwice_EmitsOneWithdrawal()
    {
        var (order, account) = await PlacedOrderAsync("orders", "accounts", funds: 100m, total: 30m);

        await Client.SendAsync(Message(order, "pay", "p-1"));
        var replay = await Client.SendAsync(Message(order, "pay", "p-1"));
        await OutboxEventuallyEmptyAsync(order);

        Assert.True(replay.Replayed);
        Assert.Equal(70m, await BalanceAsync(Client, account));
    }

    private async Task<(EntityKey Order, EntityKey Account)> PlacedOrderAsync(string orderType, string accountType, decimal funds, decimal total)
    {
        var account = NewAccount(accountType);
        var order = new EntityKey(orderType, "ord-" + Guid.NewGuid().ToString("N"));
        await Client.SendAsync(Deposit(account, "fund", funds));
        var placed = await Client.SendAsync(new MessageEnvelope(
            new MessageId("place"), order, "place", $$"""{"total":{{total}},"account":"{{account.Id}}"}"""));
        Assert.Equal(OutcomeStatus.Applied, placed.Status);
        return (order, account);
    }

    private static MessageEnvelope Message(EntityKey order, string type, string id) => new(new MessageId(id), order, type, "{}");

    private Task<decimal> BalanceEventuallyAsync(EntityKey account, Func<decimal, bool> done) =>
        Eventually.MatchAsync(() => BalanceAsync(Client, account), done, "the balance never moved");

    private Task OutboxEventuallyEmptyAsync(EntityKey order) =>
        Eventually.MatchAsync(() => Task.FromResult(fixture.Storage.StoredState(order)!.Outbox.Count), c => c == 0, "the outbox never emptied");
}
