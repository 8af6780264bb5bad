using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Once.Abstractions;
using Orleans.Configuration;

namespace Once.Client;

/// <summary>Connects a host to a Once cluster as an Orleans client, from the configuration section <c>Once</c>.</summary>
public static class OnceClientExtensions
{
    /// <summary>
    /// Connects this host to the cluster as configured (<see cref="OnceOptions"/>: service and cluster
    /// id, clustering, streams, call time-outs), and registers the <see cref="EntityStreamPublisher"/>
    /// and the <see cref="EntityTypeDirectory"/>. A client started before the silos keeps trying for
    /// <see cref="OnceOptions.DatabaseWaitTimeout"/>; one whose stream settings differ from the silos'
    /// stops (exit code 2). Throws <see cref="OnceConfigurationException"/> on bad settings.
    /// </summary>
    public static OnceOptions AddOnceClient(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = OnceOptions.Load(builder.Configuration);
        builder.Services.AddOnceClientServices(options);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o => (o.ServiceId, o.ClusterId) = (options.ServiceId, options.ClusterId));
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = options.Calls.Timeout);
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = options.Membership.GatewayRefreshPeriod);
            if (options.Clustering == ClusteringKind.Postgres)
            {
                client.UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = (OnceStreamQueue.Invariant, options.ConnectionString));
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

            if (options.Tls.Enabled)
            {
                client.UseOnceTls(options.Tls);
            }

            client.UseConnectionRetryFilter<ClusterConnectionRetry>();
            // The caller's trace goes on into the grain calls (nothing is created while nobody traces).
            client.AddActivityPropagation();
        });
        builder.Services.AddHostedService<StreamSettingsCheck>();
        return options;
    }

    /// <summary>Memory streams: no durability, no acknowledgements. Development and tests.</summary>
    public static IClientBuilder AddOnceMemoryStreams(this IClientBuilder client, int partitions = 8)
    {
        ArgumentNullException.ThrowIfNull(client);
        client.Services.AddSingleton(new StreamSettings(OnceStreamQueue.Memory, partitions));
        return client.AddMemoryStreams(OnceStreams.ProviderName, b => b.ConfigurePartitioning(partitions));
    }

    /// <summary>Durable streams: the silos' visibility-timeout queue in PostgreSQL (the ADO.NET stream provider).</summary>
    public static IClientBuilder AddOncePostgresStreams(this IClientBuilder client, string connectionString, OnceStreamOptions options)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        client.Services.AddSingleton(new StreamSettings(OnceStreamQueue.Postgres, options.Partitions));
        return client.AddAdoNetStreams(OnceStreams.ProviderName, b =>
        {
            b.ConfigureAdoNet(o => o.Configure(a => OnceStreamQueue.Apply(a, connectionString, options)));
            b.ConfigurePartitioning(options.Partitions);
        });
    }

    /// <summary>What a process that calls the cluster uses, whether it is a client or a silo serving the API too.</summary>
    internal static IServiceCollection AddOnceClientServices(this IServiceCollection services, OnceOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options.Calls));
        services.TryAddSingleton<EntityStreamPublisher>();
        services.TryAddSingleton<EntityTypeDirectory>();
        if (options.UsesPostgres)
        {
            services.TryAddSingleton<OnceDatabase>();
        }

        // Start the web server beside the silo or client, so /health/ready can say "not ready" while they wait.
        services.Configure<HostOptions>(o => o.ServicesStartConcurrently = true);
        return services;
    }
}
