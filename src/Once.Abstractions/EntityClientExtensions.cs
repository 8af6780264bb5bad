namespace Once;

/// <summary>
/// The typed API for front-end services: works on an <see cref="IClusterClient"/> or any other
/// <see cref="IGrainFactory"/>.
/// </summary>
public static class EntityClientExtensions
{
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
    public static IEntityGrain GetEntity(this IGrainFactory grains, EntityKey entity)
    {
        ArgumentNullException.ThrowIfNull(grains);
        return grains.GetGrain<IEntityGrain>(entity.ToString());
    }
}
