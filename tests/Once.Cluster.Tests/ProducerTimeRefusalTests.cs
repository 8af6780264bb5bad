using static Once.Cluster.Tests.Messages;

using Once.Abstractions;

namespace Once.Cluster.Tests;

/// <summary>A producer time far in the future is refused for every delivery guarantee, and nothing is applied.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ProducerTimeRefusalTests(ClusterFixture fixture)
{
    [Theory]
    [InlineData("accounts")]
    [InlineData(ClusterFixture.NoDedupAccounts)]
    [InlineData(ClusterFixture.AtMostOnceAccounts)]
    public async Task Send_ProducedYear9999_RefusedProducedInFutureNothingApplied(string type)
    {
        var account = NewAccount(type);
        var ahead = Deposit(account, "m-1", 10m) with { ProducedAt = new DateTimeOffset(9999, 12, 31, 23, 59, 59, TimeSpan.Zero) };

        var outcome = await fixture.Client.SendAsync(ahead);

        Assert.Equal((OutcomeStatus.Invalid, MessageErrors.ProducedInFuture), (outcome.Status, outcome.Reason));
        Assert.Null(await fixture.Client.GetEntityAsync(account));
    }
}
