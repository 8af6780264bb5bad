using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Once.Abstractions;
using Once.Grains;
using Once.Hosting;
using Once.Samples;
using Orleans.TestingHost;
using static Once.Postgres.Tests.PostgresCluster;

namespace Once.Postgres.Tests;

/// <summary>
/// The clustering and reminder query texts under the real Microsoft.Orleans.Clustering.AdoNet and
/// Microsoft.Orleans.Reminders.AdoNet providers: silos join through our membership table, the client
/// finds them through the gateway query, and the reminder table round-trips through the provider.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class AdoNetClusteringTests(PostgresServer server) : IAsyncLifetime
{
    private const int Active = 3;

    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = new TestDatabase(await server.DatabaseForAsync(GetType()));

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task TwoSilos_AdoNetClustering_JoinActiveAndServeClientThroughGateways()
    {
        var serviceId = "clustering-" + Guid.NewGuid().ToString("N");
        await using var cluster = await StartWithAdoNetClusteringAsync(serviceId);
        var clusterId = cluster.Options.ClusterId;

        var outcome = await cluster.Client.SendAsync(Deposit(new EntityKey("accounts", "clustered-1"), "m-1", 10));

        Assert.Equal(OutcomeStatus.Applied, outcome.Status);
        var members = await _db.QueryAsync(
            "SELECT address, port, status, proxy_port FROM once_membership WHERE deployment_id = @d",
            Param.Text("d", clusterId));
        Assert.Equal(2, members.Count);
        Assert.All(members, member => Assert.Equal(Active, member["status"]));
        Assert.All(members, member => Assert.True((int)member["proxy_port"]! > 0));
        Assert.All(members, member => IPAddress.Parse((string)member["address"]!));
        // Each silo's insert and its status changes raised the version one by one.
        Assert.True(await _db.ScalarAsync<int>("SELECT version FROM once_membership_version WHERE deployment_id = @d", Param.Text("d", clusterId)) >= 4);

        var gateways = await _db.RunAsync("GatewaysQueryKey", Param.Text("DeploymentId", clusterId), Param.Int("Status", Active));
        Assert.Equal(2, gateways.Count);
    }

    [Fact]
    public async Task ReminderTable_RealProvider_UpsertReadRangeAndRemove()
    {
        var serviceId = "reminders-" + Guid.NewGuid().ToString("N");
        await using var cluster = await StartWithAdoNetClusteringAsync(serviceId, silos: 1);
        var table = cluster.GetSiloServiceProvider(cluster.Silos[0].SiloAddress).GetRequiredService<IReminderTable>();
        var grainId = GrainId.Create("probe", "reminder-1");
        var start = new DateTime(2026, 5, 6, 7, 8, 9, DateTimeKind.Utc);
        var entry = new ReminderEntry { GrainId = grainId, ReminderName = "tick", StartAt = start, Period = TimeSpan.FromDays(30) };

        var firstETag = await table.UpsertRow(entry);
        var secondETag = await table.UpsertRow(entry);
        var read = await table.ReadRow(grainId, "tick");
        var ofGrain = await table.ReadRows(grainId);
        var hash = grainId.GetUniformHashCode();
        var inRange = await table.ReadRows(hash - 1, hash);
        var wrapping = await table.ReadRows(hash, hash);
        var staleRemove = await table.RemoveRow(grainId, "tick", firstETag!);
        var remove = await table.RemoveRow(grainId, "tick", secondETag!);
        var afterRemove = await table.ReadRow(grainId, "tick");

        Assert.NotEqual(firstETag, secondETag);
        Assert.NotNull(read);
        Assert.Equal(grainId, read.GrainId);
        Assert.Equal(start, read.StartAt);
        Assert.Equal(TimeSpan.FromDays(30), read.Period);
        Assert.Equal(secondETag, read.ETag);
        Assert.Single(ofGrain.Reminders);
        Assert.Single(inRange.Reminders);
        Assert.Single(wrapping.Reminders);
        Assert.False(staleRemove);
        Assert.True(remove);
        Assert.Null(afterRemove);
    }

    private async Task<TestCluster> StartWithAdoNetClusteringAsync(string serviceId, short silos = 2)
    {
        // InProcessTestCluster always uses its in-memory membership; the classic TestCluster can be
        // told not to, but takes its configuration through configurator types and properties.
        var builder = new TestClusterBuilder(silos);
        builder.Options.ConfigureFileLogging = false;
        builder.Options.ServiceId = serviceId;
        builder.Options.UseTestClusterMembership = false;
        builder.Properties[SiloConfigurator.ConnectionStringKey] = _db.ConnectionString;
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        var cluster = builder.Build();
        try
        {
            await cluster.DeployAsync();
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    public sealed class SiloConfigurator : ISiloConfigurator
    {
        public const string ConnectionStringKey = "OncePostgresTests:ConnectionString";

        public void Configure(ISiloBuilder siloBuilder)
        {
            var connectionString = siloBuilder.Configuration[ConnectionStringKey];
            siloBuilder.UseAdoNetClustering(options =>
            {
                options.Invariant = "Npgsql";
                options.ConnectionString = connectionString;
            });
            siloBuilder.UseAdoNetReminderService(options =>
            {
                options.Invariant = "Npgsql";
                options.ConnectionString = connectionString;
            });
            siloBuilder.AddOnceEngine();
            siloBuilder.AddAdoNetGrainStorage(EntityGrainNames.StorageName, options =>
            {
                options.Invariant = "Npgsql";
                options.ConnectionString = connectionString;
            });
            siloBuilder.UseSystemTextJsonGrainStorageSerializer();
            siloBuilder.Services.AddSampleDomains();
        }
    }

    public sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder) =>
            clientBuilder.UseAdoNetClustering(options =>
            {
                options.Invariant = "Npgsql";
                options.ConnectionString = configuration[SiloConfigurator.ConnectionStringKey];
            });
    }
}
