using System.Numerics;
using static Once.Cluster.Tests.Messages;

namespace Once.Cluster.Tests;

/// <summary>
/// The three delivery guarantees under the same faults and the same producer: writes that fail before
/// they are stored, writes stored whose acknowledgement is lost, a producer that retries errors once
/// and redelivers some messages later. Deposit i is 4^i, so the final balance tells how many times
/// each message was applied (0 = lost, 2 or more = duplicated).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class GuaranteeComparisonTests(ClusterFixture fixture)
{
    private const int Messages = 18;

    [Fact]
    public async Task ExactlyOnce_SameFaults_NeitherLossesNorDuplicates()
    {
        var applied = await RunAsync("accounts");

        Assert.All(applied, count => Assert.Equal(1, count));
    }

    [Fact]
    public async Task AtLeastOnce_SameFaults_DuplicatesButNoLosses()
    {
        var applied = await RunAsync(ClusterFixture.NoDedupAccounts);

        Assert.Contains(applied, count => count > 1);
        Assert.DoesNotContain(0, applied);
    }

    [Fact]
    public async Task AtMostOnce_SameFaults_LossesAndNothingReportedToTheProducer()
    {
        var (applied, errorsSeen) = await RunWithErrorsAsync(ClusterFixture.AtMostOnceAccounts);

        Assert.Contains(0, applied);
        Assert.Equal(0, errorsSeen);
    }

    private async Task<int[]> RunAsync(string type) => (await RunWithErrorsAsync(type)).Applied;

    private async Task<(int[] Applied, int ErrorsSeen)> RunWithErrorsAsync(string type)
    {
        var account = NewAccount(type);
        await fixture.Client.SendAsync(Deposit(account, "open", 0.01m));
        var errors = 0;
        for (var i = 0; i < Messages; i++)
        {
            var deposit = Deposit(account, $"m-{i}", Amount(i));
            if (i % 3 != 0)
            {
                fixture.Storage.Arm(account, i % 3 == 1 ? StorageFault.ThrowBeforeWrite : StorageFault.ThrowAfterWrite);
            }

            try
            {
                await fixture.Client.SendAsync(deposit);
            }
            catch (Exception e) when (e.ToString().Contains("Injected:", StringComparison.Ordinal))
            {
                // An at-least-once producer: an error means "send it again".
                errors++;
                await fixture.Client.SendAsync(deposit);
            }

            if (i % 5 == 0)
            {
                // A later redelivery of an earlier message (the broker's duplicate).
                await fixture.Client.SendAsync(Deposit(account, $"m-{i / 2}", Amount(i / 2)));
            }
        }

        var balance = await BalanceAsync(fixture.Client, account) - 0.01m;
        return (Decode(balance), errors);
    }

    private static decimal Amount(int i) => (decimal)BigInteger.Pow(4, i);

    /// <summary>The base-4 digits of the balance: how many times each deposit was applied (at most 3 here).</summary>
    private static int[] Decode(decimal balance)
    {
        var value = new BigInteger(balance);
        var counts = new int[Messages];
        for (var i = 0; i < Messages; i++)
        {
            counts[i] = (int)(value % 4);
            value /= 4;
        }

        Assert.Equal(BigInteger.Zero, value);
        return counts;
    }
}
