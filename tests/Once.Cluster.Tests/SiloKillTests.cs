using Once.Abstractions;
using Orleans.TestingHost;
using static Once.Cluster.Tests.Messages;

namespace Once.Cluster.Tests;

/// <summary>
/// A silo dies with entities active on it; its state lives in storage that survives. Every message is
/// then delivered again (an at-least-once producer that never saw its acknowledgements): the entities
/// come back on other silos and answer from their ledgers.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class SiloKillTests(ClusterFixture fixture)
{
    private const int Entities = 30;

    [Fact]
    public async Task SiloKilled_AllMessagesRedelivered_EachAppliedOnce()
    {
        var (accounts, firstOutcomes) = await KillASiloBetweenTwoDeliveries("accounts");

        for (var i = 0; i < accounts.Length; i++)
        {
            Assert.Equal(30m, await BalanceAsync(fixture.Client, accounts[i]));
            var replayed = await fixture.Client.SendAsync(Deposit(accounts[i], "k-1", 10m));
            Assert.Equal(firstOutcomes[i][0] with { Replayed = true }, replayed);
        }
    }

    [Fact]
    public async Task SiloKilled_DedupOff_NegativeControlDoublesBalances()
    {
        var (accounts, _) = await KillASiloBetweenTwoDeliveries(ClusterFixture.NoDedupAccounts);

        var balances = await Task.WhenAll(accounts.Select(a => BalanceAsync(fixture.Client, a)));
        Assert.All(balances, b => Assert.Equal(60m, b));
    }

    private async Task<(EntityKey[] Accounts, MessageOutcome[][] FirstOutcomes)> KillASiloBetweenTwoDeliveries(string type)
    {
        var client = fixture.Client;
        var accounts = Enumerable.Range(0, Entities).Select(_ => NewAccount(type)).ToArray();
        var first = await Task.WhenAll(accounts.Select(DeliverAll));

        // The silo (not the first, which the test cluster treats as primary) hosting most of these
        // entities; a silo that joined moments ago may host none yet.
        var victim = fixture.Cluster.Silos.Skip(1).MaxBy(silo => accounts.Count(a => IsActiveOn(silo, a)))!;
        var hostedOnVictim = accounts.Count(a => IsActiveOn(victim, a));
        Assert.True(hostedOnVictim > 0, "No entity was active on the silo to kill; the test would prove nothing.");
        await fixture.Cluster.KillSiloAsync(victim);
        await fixture.Cluster.StartAdditionalSiloAsync();
        await fixture.Cluster.WaitForLivenessToStabilizeAsync();

        await Task.WhenAll(accounts.Select(DeliverAll));
        return (accounts, first);

        async Task<MessageOutcome[]> DeliverAll(EntityKey account) =>
        [
            await client.SendAsync(Deposit(account, "k-1", 10m)),
            await client.SendAsync(Deposit(account, "k-2", 15m)),
            await client.SendAsync(Deposit(account, "k-3", 5m)),
        ];
    }

    private bool IsActiveOn(InProcessSiloHandle silo, EntityKey account)
    {
        var grainId = fixture.Client.GetEntity(account).GetGrainId();
        return fixture.Cluster.TryGetGrainContext(grainId, out var context) && Equals(context!.Address.SiloAddress, silo.SiloAddress);
    }
}
