using Microsoft.Extensions.DependencyInjection;
using Once.Abstractions;
using static Once.Cluster.Tests.Messages;

namespace Once.Cluster.Tests;

/// <summary>
/// <c>GetEntity</c> makes references from the grain id once it knows the entity grain's types: they
/// must be the references Orleans itself makes, on a client and inside a silo alike.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class EntityReferenceTests(ClusterFixture fixture)
{
    [Fact]
    public async Task GetEntity_AfterTheFirst_SameReferenceAsOrleansGetGrain()
    {
        var factories = new IGrainFactory[] { fixture.Client, fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<IGrainFactory>() };
        foreach (var grains in factories)
        {
            var accounts = Enumerable.Range(0, 3).Select(_ => NewAccount()).ToArray();
            foreach (var account in accounts)
            {
                var ours = (GrainReference)grains.GetEntity(account);
                var orleans = (GrainReference)grains.GetGrain<IEntityGrain>(account.ToString());

                Assert.Equal(orleans.GrainId, ours.GrainId);
                Assert.Equal(orleans.InterfaceType, ours.InterfaceType);
                Assert.Equal(orleans, ours);
            }

            var outcome = await grains.GetEntity(accounts[^1]).SendAsync(Deposit(accounts[^1], "r-1", 2m));
            Assert.Equal((OutcomeStatus.Applied, 1L), (outcome.Status, outcome.Version));
            Assert.Equal(2m, await BalanceAsync(fixture.Client, accounts[^1]));
        }
    }
}
