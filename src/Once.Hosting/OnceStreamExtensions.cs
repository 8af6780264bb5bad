using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Once.Abstractions;
using Once.Client;
using Once.Grains;
using Once.Hosting.Postgres;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Streams;

namespace Once.Hosting;

/// <summary>Configures the <see cref="OnceStreams.ProviderName"/> stream provider on silos (clients: <see cref="OnceClientExtensions"/>).</summary>
public static class OnceStreamExtensions
{
    /// <summary>Memory streams: no durability, no acknowledgements. Development and tests.</summary>
    public static ISiloBuilder AddOnceMemoryStreams(this ISiloBuilder silo, int partitions = 8)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.AddSingleton(new StreamSettings(OnceStreamQueue.Memory, partitions));
        return silo.AddMemoryStreams(OnceStreams.ProviderName, b =>
        {
            b.ConfigurePartitioning(partitions);
            b.ConfigureStreamPubSub(StreamPubSubType.ImplicitOnly);
        });
    }

    /// <summary>
    /// Durable streams: a visibility-timeout queue in PostgreSQL (the ADO.NET stream provider). The
    /// messages the queue itself dead-letters are listed by the dead-letter store with source <c>queue</c>.
    /// </summary>
    public static ISiloBuilder AddOncePostgresStreams(this ISiloBuilder silo, string connectionString, OnceStreamOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        silo.Services.AddSingleton(new StreamSettings(OnceStreamQueue.Postgres, options.Partitions));

        // The queue's own dead letters join the dead-letter store's listing (source "queue").
        silo.Services.AddSingleton<IQueueDeadLetters>(sp => new PostgresQueueDeadLetters(
            connectionString,
            sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId,
            sp.GetRequiredService<Serializer<QueuedBatch>>(),
            sp.GetRequiredService<ILogger<PostgresQueueDeadLetters>>()));
        return silo.AddAdoNetStreams(OnceStreams.ProviderName, b =>
        {
            b.ConfigureAdoNet(o => o.Configure(a => OnceStreamQueue.Apply(a, connectionString, options)));
            b.ConfigurePartitioning(options.Partitions);
            b.ConfigureStreamPubSub(StreamPubSubType.ImplicitOnly);
            b.ConfigurePullingAgent(o => o.Configure(p => (p.MaxEventDeliveryTime, p.GetQueueMsgsTimerPeriod) = (options.MaxDeliveryTime, options.EffectivePollInterval)));
        }).QuietWhenIdle(options.EffectivePollInterval, options.IdlePollInterval);
    }

    /// <summary>
    /// Puts <see cref="QuietQueueAdapterFactory"/> around the queue adapter factory the provider
    /// registered (a keyed singleton under the provider's name), so empty queues are polled less often.
    /// </summary>
    private static ISiloBuilder QuietWhenIdle(this ISiloBuilder silo, TimeSpan poll, TimeSpan idlePoll)
    {
        var services = silo.Services;
        var original = services.Single(d => d.ServiceType == typeof(IQueueAdapterFactory) && Equals(d.ServiceKey, OnceStreams.ProviderName));
        var create = original.KeyedImplementationFactory
            ?? throw new InvalidOperationException("The stream provider's queue adapter factory is not registered as a factory.");
        services.Remove(original);
        services.AddKeyedSingleton<IQueueAdapterFactory>(OnceStreams.ProviderName, (sp, key) =>
            new QuietQueueAdapterFactory((IQueueAdapterFactory)create(sp, key), poll, idlePoll, sp.GetService<TimeProvider>() ?? TimeProvider.System));
        return silo;
    }

    /// <summary>Lets implicit stream subscriptions reach the entity grain <c>{type}/{id}</c>.</summary>
    internal static IServiceCollection AddEntityStreamMapping(this IServiceCollection services) =>
        services.AddKeyedSingleton<IStreamIdMapper, EntityStreamIdMapper>(EntityStreamIdMapper.Name);
}
