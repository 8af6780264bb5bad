using Once.Abstractions;
using Orleans.Runtime;

namespace Once.Client;

/// <summary>
/// The stream side of Once: one stream provider, and one stream per entity (namespace = entity type,
/// key = entity id). The message id travels inside the envelope; a stream's sequence token is not an
/// identity.
/// </summary>
public static class OnceStreams
{
    /// <summary>The name of the stream provider every silo and client configures.</summary>
    public const string ProviderName = "once";

    public static StreamId StreamOf(EntityKey entity) => StreamId.Create(entity.Type.Value, entity.Id.Value);
}
