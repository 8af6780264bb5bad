using Microsoft.Extensions.Configuration;
using Npgsql;
using Once.Abstractions;
using Once.Grains;
using Once.Hosting;
using Once.Samples;
using Orleans.TestingHost;

namespace Once.Postgres.Tests;

/// <summary>
/// Several silos that find each other through the membership table in PostgreSQL (not the test
/// host's in-memory membership), with entity state in PostgreSQL too.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class AdoNetMembershipTests(PostgresServer postgres)
{
    private const string ConnectionKey = "OnceTest:ConnectionString";

    [Fact]
    public async Task ThreeSilos_AdoNetMembership_FormOneClusterAndServeEntities()
    {
        var database = await postgres.CreateDatabaseAsync();
        var builder = new TestClusterBuilder(3);
        builder.Options.UseTestClusterMembership = false;
        builder.Options.ClusterId = "membership-" + Guid.NewGuid().ToString("N")[..8];
        builder.ConfigureHostConfiguration(config => config.AddInMemoryCollection([new(ConnectionKey, database)]));
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        try
        {
            var accounts = Enumerable.Range(0, 30).Select(i => new EntityKey("accounts", $"member-{i}")).ToArray();
            var outcomes = await Task.WhenAll(accounts.Select(a =>
                cluster.Client.SendAsync(new MessageEnvelope(new MessageId("m-1"), a, "deposit", "{\"amount\":5}"))));

            Assert.All(outcomes, o => Assert.Equal((OutcomeStatus.Applied, 1L), (o.Status, o.Version)));
            Assert.Equal(3, await ActiveMembersAsync(database, builder.Options.ClusterId));
            Assert.Equal(3, (await cluster.Client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)).Count);

            // A silo leaves; its entities come back elsewhere, from PostgreSQL, and replay their ledger.
            await cluster.StopSiloAsync(cluster.SecondarySilos[0]);
            var replays = await Task.WhenAll(accounts.Select(a =>
                cluster.Client.SendAsync(new MessageEnvelope(new MessageId("m-1"), a, "deposit", "{\"amount\":5}"))));
            Assert.All(replays, o => Assert.Equal((OutcomeStatus.Applied, 1L, true), (o.Status, o.Version, o.Replayed)));
            Assert.Equal(2, await ActiveMembersAsync(database, builder.Options.ClusterId));
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    private static async Task<long> ActiveMembersAsync(string connectionString, string clusterId)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM once_membership WHERE deployment_id = $1 AND status = 3");
        command.Parameters.AddWithValue(clusterId);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            var connectionString = siloBuilder.Configuration[ConnectionKey];
            siloBuilder.UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = ("Npgsql", connectionString));
            siloBuilder.AddOnceEngine().AddAdoNetGrainStorage(
                EntityGrainNames.StorageName, o => (o.Invariant, o.ConnectionString) = ("Npgsql", connectionString));
            siloBuilder.Services.AddSampleDomains();
        }
    }

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder) =>
            clientBuilder.UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = ("Npgsql", configuration[ConnectionKey]));
    }
}
