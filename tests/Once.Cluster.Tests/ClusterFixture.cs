using Microsoft.Extensions.DependencyInjection;
using Once.Client;
using Once.Core;
using Once.Grains;
using Once.Hosting;
using Once.Samples;
using Once.Samples.Accounts;
using Once.Samples.Orders;
using Orleans.Runtime.Hosting;
using Orleans.TestingHost;

namespace Once.Cluster.Tests;

/// <summary>
/// Three in-process silos sharing one <see cref="SharedGrainStorage"/>. Besides the sample domains it
/// registers <c>accounts-nodedup</c>: the same account rules without a ledger, so every fault test can
/// run its negative control against the same cluster.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const string NoDedupAccounts = "accounts-nodedup";

    /// <summary>Orders that pay from an entity type no silo knows: their outbox messages are refused.</summary>
    public const string GhostOrders = "orders-ghost";

    /// <summary>Accounts with the at-most-once guarantee.</summary>
    public const string AtMostOnceAccounts = "accounts-amo";

    /// <summary>Orders that pay from <see cref="NoDedupAccounts"/>: the pipeline's negative control.</summary>
    public const string NoDedupOrders = "orders-nodedup";

    private InProcessTestCluster? _cluster;

    public SharedGrainStorage Storage { get; } = new();

    public InProcessTestCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster is not deployed.");

    public IClusterClient Client => Cluster.Client;

    /// <summary>The <c>flaky</c> entity type every silo runs: a poison or a transiently failing message on demand.</summary>
    public FlakyHandler Flaky { get; } = new();

    public EntityStreamPublisher Publisher => new(Client);

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(3);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddOnceEngine().AddOnceMemoryStreams().UseInMemoryReminderService();
            silo.Services.AddGrainStorage(EntityGrainNames.StorageName, (_, _) => Storage);
            silo.Services.AddSampleDomains();
            silo.Services.AddOnceEntityType(new AccountsHandler(NoDedupAccounts), DeliveryGuarantee.AtLeastOnce);
            silo.Services.AddOnceEntityType(new OrdersHandler(NoDedupOrders, NoDedupAccounts));
            silo.Services.AddOnceEntityType(new AccountsHandler(AtMostOnceAccounts), DeliveryGuarantee.AtMostOnce);
            silo.Services.AddOnceEntityType(Flaky);
            silo.Services.AddOnceEntityType(new OrdersHandler(GhostOrders, "ghosts"));
            silo.Services.AddOnceEntityType(new MisspeltCompensationHandler());
            silo.Services.Configure<Grains.StreamConsumerOptions>(o => o.MaxAttempts = 2);
            silo.Services.Configure<WebhookOptions>(WebhookReceiver.AllowLocal);
        });
        builder.ConfigureClient(client => client.AddOnceMemoryStreams());
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
