using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Once.Client;
using Once.Core;
using Once.Grains;
using Once.Hosting.Postgres;
using Orleans.Configuration;

namespace Once.Hosting;

/// <summary>Turns the <c>Once</c> configuration section into a silo.</summary>
public static partial class OnceHostingExtensions
{
    private const string Npgsql = "Npgsql";

    /// <summary>
    /// Runs a silo in this host as configured: storage (Memory, Postgres or AdoNetGrainStorage),
    /// clustering (Localhost or Postgres), streams, ports, ids, and the entity types registered with
    /// <c>AddOnceEntityType</c>. Throws <see cref="OnceConfigurationException"/> on bad settings. The
    /// host can call the cluster too (the publisher and the directory of <see cref="OnceClientExtensions"/>).
    /// </summary>
    public static OnceOptions AddOnceSilo(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = OnceOptions.Load(builder.Configuration);
        var siloOptions = OnceSiloOptions.Load(builder.Configuration, options);
        builder.Services.AddOnceClientServices(options);
        builder.Services.AddSingleton(siloOptions);
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
                silo.ConfigureEndpoints(options.ResolveAdvertisedAddress(), options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: siloOptions.ListenOnAnyAddress);
                if (siloOptions.Kubernetes)
                {
                    UseKubernetes(silo, siloOptions.ListenOnAnyAddress);
                }
            }
            else
            {
                silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, serviceId: options.ServiceId, clusterId: options.ClusterId);
            }

            if (options.Tls.Enabled)
            {
                silo.UseOnceTls(options.Tls);
            }

            silo.AddOnce(options, siloOptions);
        });
        return options;
    }

    /// <summary>
    /// Everything of a Once silo but its clustering, ids and ports: the entity types' catalog (with
    /// <c>Once:Guarantees</c>, checked at start), the store <see cref="OnceOptions.Storage"/> names, the
    /// engine, placement, reminders and streams. <see cref="AddOnceSilo"/> builds every silo with it,
    /// and in-process test clusters with <see cref="OnceSiloExtensions.AddOnceInMemory"/> (the defaults).
    /// </summary>
    public static ISiloBuilder AddOnce(this ISiloBuilder silo, OnceOptions options, OnceSiloOptions siloOptions)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(siloOptions);
        silo.Services.AddOptions<OnceSiloOptions>().Configure(o => Copy(siloOptions, o)).ValidateOnStart();
        silo.Services.AddSingleton<IValidateOptions<OnceSiloOptions>, GuaranteesValidator>();
        silo.Services.AddSingleton(sp => new EntityCatalog(sp.GetServices<EntityRegistration>(), siloOptions.ParsedGuarantees()));
        if (options.Storage == StorageKind.Postgres)
        {
            silo.AddOncePostgresStore(options.ConnectionString!);
        }

        silo.AddOnceEngine();
        // The default strategy of grains without a placement attribute: the entity grain's.
        silo.Services.AddSingleton<PlacementStrategy>(siloOptions.Placement switch
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

        return silo;
    }

    /// <summary>
    /// Orleans' Kubernetes hosting, deleting the pods of silos the cluster declared dead (the
    /// StatefulSet or Deployment then starts a fresh one rather than waiting for the old process to
    /// notice). It opens every interface when no listening address is set, so with
    /// <c>Once:ListenOnAnyAddress=false</c> the advertised address is set as the listening one, as
    /// without Kubernetes.
    /// </summary>
    private static void UseKubernetes(ISiloBuilder silo, bool listenOnAnyAddress)
    {
        silo.UseKubernetesHosting(hosting => hosting.Configure(o => o.DeleteDefunctSiloPods = true));
        if (!listenOnAnyAddress)
        {
            silo.Configure<EndpointOptions>(o =>
            {
                o.SiloListeningEndpoint ??= new IPEndPoint(o.AdvertisedIPAddress, o.SiloPort);
                o.GatewayListeningEndpoint ??= new IPEndPoint(o.AdvertisedIPAddress, o.GatewayPort);
            });
        }
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

    /// <summary>
    /// Builds the entity catalog from the registered entity types and <c>Once:Guarantees</c> when the
    /// host starts, so a guarantee for a type no silo registered stops the process with that setting
    /// named (<c>ValidateOnStart</c>).
    /// </summary>
    private sealed class GuaranteesValidator(IEnumerable<EntityRegistration> registrations) : IValidateOptions<OnceSiloOptions>
    {
        public ValidateOptionsResult Validate(string? name, OnceSiloOptions options)
        {
            try
            {
                _ = new EntityCatalog(registrations, options.ParsedGuarantees());
                return ValidateOptionsResult.Success;
            }
            catch (ArgumentException e)
            {
                return ValidateOptionsResult.Fail($"Once:Guarantees: {e.Message.Split(" (Parameter")[0]}");
            }
        }
    }

    private static void Copy(OnceSiloOptions from, OnceSiloOptions to) =>
        (to.ApplySchema, to.ListenOnAnyAddress, to.Kubernetes, to.Placement, to.Guarantees, to.Ledger, to.Store, to.Webhooks) =
        (from.ApplySchema, from.ListenOnAnyAddress, from.Kubernetes, from.Placement, from.Guarantees, from.Ledger, from.Store, from.Webhooks);

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
