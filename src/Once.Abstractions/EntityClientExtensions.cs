using System.Runtime.CompilerServices;

namespace Once.Abstractions;

/// <summary>
/// The typed API for front-end services: works on an <see cref="IClusterClient"/> or any other
/// <see cref="IGrainFactory"/>.
/// </summary>
public static class EntityClientExtensions
{
    private static readonly ConditionalWeakTable<IGrainFactory, EntityGrainTypes> Resolved = new();

    /// <summary>Sends a message to its entity; safe to repeat with the same message id.</summary>
    public static Task<MessageOutcome> SendAsync(this IGrainFactory grains, MessageEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        return grains.GetEntity(envelope.Entity).SendAsync(envelope);
    }

    /// <summary>Reads an entity; null when no message was ever applied to it.</summary>
    public static Task<EntitySnapshot?> GetEntityAsync(this IGrainFactory grains, EntityKey entity) =>
        grains.GetEntity(entity).GetAsync();

    /// <summary>Looks up what became of a message id (for a caller whose send timed out).</summary>
    public static Task<MessageOutcome?> GetOutcomeAsync(this IGrainFactory grains, EntityKey entity, MessageId messageId) =>
        grains.GetEntity(entity).GetOutcomeAsync(messageId);

    /// <summary>The grain of one entity.</summary>
    /// <remarks>
    /// Orleans works out which grain type implements an interface by reflection (its attributes) on
    /// every <c>GetGrain</c> by key: 6% of the HTTP API's CPU in a profile under load. The answer for
    /// <see cref="IEntityGrain"/> never changes, so it is worked out once per grain factory, and later
    /// references are made from the grain id directly.
    /// </remarks>
    public static IEntityGrain GetEntity(this IGrainFactory grains, EntityKey entity)
    {
        ArgumentNullException.ThrowIfNull(grains);
        if (Resolved.TryGetValue(grains, out var types))
        {
            return (IEntityGrain)grains.GetGrain(GrainId.Create(types.Grain, entity.ToString()), types.Interface);
        }

        var grain = grains.GetGrain<IEntityGrain>(entity.ToString());
        var reference = (GrainReference)grain;
        Resolved.AddOrUpdate(grains, new EntityGrainTypes(reference.GrainId.Type, reference.InterfaceType));
        return grain;
    }

    /// <summary>The operator actions on one entity (<see cref="IEntityAdminGrain"/>).</summary>
    public static IEntityAdminGrain GetEntityAdmin(this IGrainFactory grains, EntityKey entity)
    {
        ArgumentNullException.ThrowIfNull(grains);
        return grains.GetGrain<IEntityAdminGrain>(entity.ToString());
    }

    private sealed record EntityGrainTypes(GrainType Grain, GrainInterfaceType Interface);
}
