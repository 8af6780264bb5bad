namespace Once.Cluster.Tests;

/// <summary>
/// The three delivery guarantees under the same faults and the same producer (<see cref="GuaranteeWorkload"/>):
/// writes that fail before they are stored, writes stored whose acknowledgement is lost, a producer
/// that retries errors once and redelivers some messages later.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class GuaranteeComparisonTests(ClusterFixture fixture)
{
    [Fact]
    public async Task ExactlyOnce_SameFaults_NeitherLossesNorDuplicates()
    {
        var run = await RunAsync("accounts");

        Assert.All(run.Applied, count => Assert.Equal(1, count));
    }

    [Fact]
    public async Task AtLeastOnce_SameFaults_DuplicatesButNoLosses()
    {
        var run = await RunAsync(ClusterFixture.NoDedupAccounts);

        Assert.Contains(run.Applied, count => count > 1);
        Assert.DoesNotContain(0, run.Applied);
    }

    [Fact]
    public async Task AtMostOnce_SameFaults_LossesAndNothingReportedToTheProducer()
    {
        var run = await RunAsync(ClusterFixture.AtMostOnceAccounts);

        Assert.Contains(0, run.Applied);
        Assert.Equal(0, run.ErrorsSeen);
    }

    private Task<GuaranteeRun> RunAsync(string type) =>
        GuaranteeWorkload.RunAsync(fixture.Client, Messages.NewAccount(type), (account, fault) => fixture.Storage.Arm(account, fault));
}
