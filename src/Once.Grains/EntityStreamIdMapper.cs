using Orleans.Metadata;
using Orleans.Streams;

namespace Once.Grains;

/// <summary>
/// Maps the stream (namespace = entity type, key = entity id) to the entity grain <c>{type}/{id}</c>,
/// the same grain the direct and HTTP channels reach, so one ledger serves every channel.
/// </summary>
public sealed class EntityStreamIdMapper : IStreamIdMapper
{
    public const string Name = "once-entity";

    public IdSpan GetGrainKeyId(GrainBindings grainBindings, StreamId streamId) =>
        IdSpan.Create($"{streamId.GetNamespace()}/{streamId.GetKeyAsString()}");
}
