using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Once.Abstractions;
using Once.Client;
using Once.Core;
using Once.Grains;
using Once.Hosting;
using Orleans.TestingHost;

namespace Once.Testing;

/// <summary>
/// An in-memory Once cluster for tests of your own entity types: silos built as every Once silo is
/// (<see cref="OnceSiloExtensions.AddOnceInMemory"/>), your types registered, every entity store
/// behind <see cref="Faults"/>, and a client. Start one per test class (or per collection) and use
/// fresh entity keys in every test.
/// </summary>
public sealed class OnceTestCluster : IAsyncDisposable
{
    private readonly InProcessTestCluster _cluster;

    private OnceTestCluster(InProcessTestCluster cluster, EntityStoreFaults faults)
    {
        _cluster = cluster;
        Faults = faults;
        Publisher = new EntityStreamPublisher(cluster.Client);
    }

    /// <summary>The cluster client: <c>Client.SendAsync(envelope)</c>, <c>GetEntityAsync</c>, <c>GetOutcomeAsync</c>.</summary>
    public IClusterClient Client => _cluster.Client;

    /// <summary>Storage faults to arm per entity.</summary>
    public EntityStoreFaults Faults { get; }

    /// <summary>Publishes to the entity streams (memory streams in this cluster).</summary>
    public EntityStreamPublisher Publisher { get; }

    /// <summary>
    /// Starts <paramref name="silos"/> silos with the entity types <paramref name="entityTypes"/>
    /// registers (<c>services.AddOnceEntityType(new MyHandler())</c>).
    /// </summary>
    public static async Task<OnceTestCluster> StartAsync(Action<IServiceCollection> entityTypes, int silos = 2)
    {
        ArgumentNullException.ThrowIfNull(entityTypes);
        ArgumentOutOfRangeException.ThrowIfLessThan(silos, 1);
        var faults = new EntityStoreFaults();
        var builder = new InProcessTestClusterBuilder((short)silos);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, silo) =>
        {
            // Registered before the engine, which keeps a store provider that is already there.
            silo.Services.AddSingleton<IEntityStoreProvider>(sp => faults.Wrap(ActivatorUtilities.CreateInstance<GrainStorageEntityStores>(sp)));
            silo.AddOnceInMemory();
            entityTypes(silo.Services);
        });
        builder.ConfigureClient(client => client.AddOnceMemoryStreams());
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return new OnceTestCluster(cluster, faults);
    }

    /// <summary>A message for <paramref name="entity"/> with its data serialised as Once reads it (camelCase JSON).</summary>
    public static MessageEnvelope Message(EntityKey entity, string messageId, string type, object? data = null, long? expectedVersion = null) =>
        new(new MessageId(messageId), entity, type, data is null ? "{}" : JsonSerializer.Serialize(data, OnceJson.Strict), expectedVersion);

    /// <summary>Sends the message to its entity and returns the outcome (a resend with the same id gets the first outcome back).</summary>
    public Task<MessageOutcome> SendAsync(MessageEnvelope message) => Client.SendAsync(message);

    /// <summary>The entity's committed state and version, or null if no message was ever applied to it.</summary>
    public Task<EntitySnapshot?> GetAsync(EntityKey entity) => Client.GetEntityAsync(entity);

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();
}
