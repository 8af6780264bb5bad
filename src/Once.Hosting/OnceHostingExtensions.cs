using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Once.Grains;
using Once.Hosting.Postgres;
using Orleans.Configuration;

namespace Once.Hosting;

/// <summary>Turns the <c>Once</c> configuration section into a silo or a cluster client.</summary>
public static partial class OnceHostingExtensions
{
    private const string Npgsql = "Npgsql";

    /// <summary>
    /// Runs a silo in this host as configured: storage (Memory or Postgres), clustering (Localhost or
    /// Postgres), ports, ids; plus health checks and metrics. Throws <see cref="OnceConfigurationException"/> on bad settings.
    /// </summary>
    public static OnceOptions AddOnceSilo(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = AddOnceCommon(builder);
        if (options.UsesPostgres)
        {
            builder.Services.AddSingleton<Orleans.ILifecycleParticipant<Orleans.Runtime.ISiloLifecycle>, DatabaseStartupGate>();
        }

        if (options.Storage == StorageKind.Memory)
        {
            builder.Services.AddHostedService<NotDurableWarning>();
        }

        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o => (o.ServiceId, o.ClusterId) = (options.ServiceId, options.ClusterId));
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = options.Calls.Timeout);
            silo.Configure<ClusterMembershipOptions>(o => Configure(o, options.Membership));
            if (options.Clustering == ClusteringKind.Postgres)
            {
                silo.UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = (Npgsql, options.ConnectionString));
                silo.ConfigureEndpoints(options.ResolveAdvertisedAddress(), options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: true);
            }
            else
            {
                silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, serviceId: options.ServiceId, clusterId: options.ClusterId);
            }

            if (options.Storage == StorageKind.Postgres)
            {
                silo.AddOncePostgresStore(options.ConnectionString!);
            }

            silo.AddOnceEngine();
            // The default strategy of grains without a placement attribute: the entity grain's.
            silo.Services.AddSingleton<PlacementStrategy>(options.Placement switch
            {
                PlacementKind.ResourceOptimized => new ResourceOptimizedPlacement(),
                PlacementKind.Random => new RandomPlacement(),
                _ => new PreferLocalPlacement(),
            });
            // Reminders wake entities whose outbox still holds messages; they live with the state. The
            // grain storage also keeps the dead letters (with either PostgreSQL entity store).
            if (options.Storage != StorageKind.Memory)
            {
                silo.AddAdoNetGrainStorage(EntityGrainNames.StorageName, o => (o.Invariant, o.ConnectionString) = (Npgsql, options.ConnectionString));
                silo.UseAdoNetReminderService(o => (o.Invariant, o.ConnectionString) = (Npgsql, options.ConnectionString));
            }
            else
            {
                silo.AddMemoryGrainStorage(EntityGrainNames.StorageName);
                silo.UseInMemoryReminderService();
            }

            if (options.StreamProvider == StorageKind.Postgres)
            {
                silo.AddOncePostgresStreams(options.ConnectionString!, options.Streams);
            }
            else
            {
                silo.AddOnceMemoryStreams(options.Streams.Partitions);
            }
        });
        return options;
    }

    /// <summary>Connects this host to a cluster as an Orleans client, finding gateways as configured.</summary>
    public static OnceOptions AddOnceClient(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = AddOnceCommon(builder);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o => (o.ServiceId, o.ClusterId) = (options.ServiceId, options.ClusterId));
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = options.Calls.Timeout);
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = options.Membership.GatewayRefreshPeriod);
            if (options.Clustering == ClusteringKind.Postgres)
            {
                client.UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = (Npgsql, options.ConnectionString));
            }
            else
            {
                client.UseLocalhostClustering(options.GatewayPort, options.ServiceId, options.ClusterId);
            }

            if (options.StreamProvider == StorageKind.Postgres)
            {
                client.AddOncePostgresStreams(options.ConnectionString!, options.Streams);
            }
            else
            {
                client.AddOnceMemoryStreams(options.Streams.Partitions);
            }

            client.UseConnectionRetryFilter<ClusterConnectionRetry>();
        });
        builder.Services.AddHostedService<StreamSettingsCheck>();
        return options;
    }

    /// <summary>
    /// Orleans adapts each probe's timeout between bounds; keeping the upper one at twice the setting
    /// bounds the time to suspect a silo (and the window in which traffic on its connection, which a
    /// frozen silo's connection never carries, holds the suspicion back).
    /// </summary>
    private static void Configure(ClusterMembershipOptions membership, MembershipSettings settings)
    {
        membership.ProbeTimeout = settings.ProbeTimeout;
        membership.MaxProbeTimeout = 2 * settings.ProbeTimeout;
        membership.NumMissedProbesLimit = settings.MissedProbes;
        membership.NumVotesForDeathDeclaration = settings.Votes;
        membership.DeathVoteExpirationTimeout = settings.DeathVoteExpiration;
        membership.IAmAliveTablePublishTimeout = settings.IAmAlivePeriod;
    }

    private static OnceOptions AddOnceCommon(IHostApplicationBuilder builder)
    {
        var options = OnceOptions.Load(builder.Configuration);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options.Calls));
        builder.Services.AddSingleton(sp => CreateCatalog(sp, options));
        builder.Services.AddSingleton<EntityStreamPublisher>();
        // A front end refuses producer times too far ahead before they enter a stream, as the entity would.
        builder.Services.AddOptions<LedgerOptions>().BindConfiguration(LedgerOptions.SectionName);
        builder.Services.AddHostedService<CatalogCheck>();
        if (options.UsesPostgres)
        {
            builder.Services.AddSingleton<OnceDatabase>();
        }

        // Start the web server beside the silo or client, so /health/ready can say "not ready" while they wait.
        builder.Services.Configure<HostOptions>(o => o.ServicesStartConcurrently = true);
        builder.Services.AddOnceHealth(options);
        builder.Services.AddOnceMetrics();
        return options;
    }

    private static EntityCatalog CreateCatalog(IServiceProvider services, OnceOptions options)
    {
        try
        {
            return new EntityCatalog(services.GetServices<EntityRegistration>(), options.ParsedGuarantees());
        }
        catch (ArgumentException e)
        {
            throw new OnceConfigurationException([$"Once:Guarantees: {e.Message.Split(" (Parameter")[0]}"]);
        }
    }

    /// <summary>Builds the catalog at start, so a bad <c>Once:Guarantees</c> entry stops the process at once.</summary>
    private sealed class CatalogCheck(EntityCatalog catalog) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.FromResult(catalog);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed partial class NotDurableWarning(ILogger<NotDurableWarning> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            LogNotDurable(logger);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        [LoggerMessage(Level = LogLevel.Warning, Message = "Once:Storage is Memory: entity state and message ledgers are NOT durable and are lost when this process stops. Use Once:Storage=Postgres for durability.")]
        private static partial void LogNotDurable(ILogger logger);
    }
}
