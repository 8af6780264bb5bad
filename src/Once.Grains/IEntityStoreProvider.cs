using Once.Abstractions;
using Once.Core;

namespace Once.Grains;

/// <summary>
/// Opens the store of one entity for its grain. A silo has one provider (registered in DI), chosen by
/// configuration: the grain never constructs its storage itself.
/// </summary>
public interface IEntityStoreProvider
{
    /// <summary>The store of <paramref name="entity"/>, for the activation <paramref name="grain"/>; called once per activation.</summary>
    IEntityStore Open(EntityKey entity, IGrainContext grain);
}
