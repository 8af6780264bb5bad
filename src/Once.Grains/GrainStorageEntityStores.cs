using Microsoft.Extensions.Options;
using Once.Abstractions;
using Once.Core;

namespace Once.Grains;

/// <summary>
/// Entity stores over Orleans grain persistence (the provider named <see cref="EntityGrainNames.StorageName"/>):
/// the whole entity, ledger included, is one state row, rewritten on every change. Works with any
/// Orleans storage provider (memory, ADO.NET); the ledger's size is capped by
/// <see cref="LedgerOptions.MaxEntries"/> because every write carries all of it.
/// </summary>
public sealed class GrainStorageEntityStores(
    IPersistentStateFactory states, IOptions<LedgerOptions>? ledger = null, TimeProvider? time = null) : IEntityStoreProvider
{
    private static readonly PersistentStateAttribute Configuration = new(EntityGrainNames.StateName, EntityGrainNames.StorageName);

    public IEntityStore Open(EntityKey entity, IGrainContext grain) =>
        new PersistentEntityStore(
            states.Create<EntityState>(grain, Configuration), (ledger?.Value ?? new LedgerOptions()).MaxFutureSkew, time ?? TimeProvider.System);
}
