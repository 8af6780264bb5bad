namespace Once.Abstractions;

/// <summary>
/// The entity types a silo runs, for front ends that do not carry the handlers (any key; one
/// activation per silo, on the silo the caller reaches first).
/// </summary>
[Alias("once.IEntityCatalogGrain")]
public interface IEntityCatalogGrain : IGrainWithIntegerKey
{
    /// <summary>The names of the entity types this silo runs.</summary>
    [Alias("GetEntityTypes")]
    Task<string[]> GetEntityTypesAsync();

    /// <summary>
    /// The refusal the entity would answer this message with (unknown type, unknown message type,
    /// invalid data, a producer time too far ahead), or null when it would take it. Changes nothing.
    /// </summary>
    [Alias("Check")]
    Task<MessageError?> CheckAsync(MessageEnvelope envelope);
}
