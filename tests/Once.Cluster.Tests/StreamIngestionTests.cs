using static Once.Cluster.Tests.Messages;

using Once.Abstractions;

namespace Once.Cluster.Tests;

/// <summary>
/// Messages that arrive on the entity's stream (at-least-once, memory streams here) go through the
/// same ledger as direct calls: duplicates and cross-channel repeats are applied once.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class StreamIngestionTests(ClusterFixture fixture)
{
    private IClusterClient Client => fixture.Client;

    [Fact]
    public async Task Publish_OnTheEntityStream_IsAppliedAndItsOutcomeReadable()
    {
        var account = NewAccount();

        var published = await fixture.Publisher.PublishAsync(Deposit(account, "s-1", 12m));
        var outcome = await OutcomeEventuallyAsync(account, "s-1");

        Assert.True(published.Accepted);
        Assert.Equal((OutcomeStatus.Applied, 1L), (outcome.Status, outcome.Version));
        Assert.Equal(12m, await BalanceAsync(Client, account));
    }

    [Fact]
    public async Task Redeliveries_OnTheStream_AppliedOnce()
    {
        var account = NewAccount();

        for (var i = 0; i < 5; i++)
        {
            await fixture.Publisher.PublishAsync(Deposit(account, "s-1", 12m));
        }

        await fixture.Publisher.PublishAsync(Deposit(account, "marker", 1m));
        await OutcomeEventuallyAsync(account, "marker");

        Assert.Equal(13m, await BalanceAsync(Client, account));
        Assert.Equal(2, (await Client.GetEntityAsync(account))!.Version);
    }

    [Fact]
    public async Task SameIdByStreamAndByCall_AppliedOnce_LaterArrivalGetsFirstOutcome()
    {
        var account = NewAccount();
        await fixture.Publisher.PublishAsync(Deposit(account, "x-1", 5m));
        var first = await OutcomeEventuallyAsync(account, "x-1");

        var byCall = await Client.SendAsync(Deposit(account, "x-1", 5m));
        var direct = await Client.SendAsync(Deposit(account, "x-2", 7m));
        await fixture.Publisher.PublishAsync(Deposit(account, "x-2", 7m));
        await fixture.Publisher.PublishAsync(Deposit(account, "marker", 1m));
        await OutcomeEventuallyAsync(account, "marker");

        Assert.Equal(first, byCall);
        Assert.True(byCall.Replayed);
        Assert.Equal((OutcomeStatus.Applied, false), (direct.Status, direct.Replayed));
        Assert.Equal(13m, await BalanceAsync(Client, account));
    }

    [Fact]
    public async Task SameIdByStreamAndByCall_DedupOff_NegativeControlAppliesTwice()
    {
        var account = NewAccount(ClusterFixture.NoDedupAccounts);
        await Client.SendAsync(Deposit(account, "x-1", 5m));
        await fixture.Publisher.PublishAsync(Deposit(account, "x-1", 5m));

        await BalanceEventuallyAsync(account, 10m);

        Assert.Equal(10m, await BalanceAsync(Client, account));
    }

    [Fact]
    public async Task Publish_ToAnInactiveEntity_ActivatesItAndIsNotDropped()
    {
        var account = NewAccount();
        await Client.SendAsync(Deposit(account, "d-1", 1m));
        await fixture.Cluster.DeactivateAsync(Client.GetEntity(account));

        await fixture.Publisher.PublishAsync(Deposit(account, "s-1", 2m));
        var outcome = await OutcomeEventuallyAsync(account, "s-1");

        Assert.Equal((OutcomeStatus.Applied, 2L), (outcome.Status, outcome.Version));
    }

    [Fact]
    public async Task InvalidMessage_IsRefusedAtIngress_AndNeverReachesTheEntity()
    {
        var account = NewAccount();

        var refused = await fixture.Publisher.PublishAsync(new MessageEnvelope(new MessageId("bad"), account, "deposit", "{\"amount\":-1}"));
        await fixture.Publisher.PublishAsync(Deposit(account, "marker", 1m));
        await OutcomeEventuallyAsync(account, "marker");

        Assert.False(refused.Accepted);
        Assert.Equal(MessageErrors.InvalidData, refused.Error!.Code);
        Assert.Null(await Client.GetOutcomeAsync(account, new MessageId("bad")));
        Assert.Equal(1, (await Client.GetEntityAsync(account))!.Version);
    }

    private Task<MessageOutcome> OutcomeEventuallyAsync(EntityKey account, string messageId) =>
        Eventually.FoundAsync(() => Client.GetOutcomeAsync(account, new MessageId(messageId)), $"no outcome for {messageId}");

    private Task<decimal> BalanceEventuallyAsync(EntityKey account, decimal expected) =>
        Eventually.MatchAsync(() => BalanceAsync(Client, account), b => b >= expected, $"balance never reached {expected}");
}
