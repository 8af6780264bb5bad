using System.Collections.Concurrent;
using Once.Grains;

namespace Once.Postgres.Tests.Stores;

/// <summary>
/// Faults a test arms per entity for any entity store: the next commit fails before anything is
/// written, or after the inner store committed (the database has the change, the caller sees an
/// error: a lost acknowledgement). Either way the inner store is reset, as after a real failure.
/// Held by the test; <see cref="Wrap"/> puts it around each silo's store provider.
/// </summary>
internal sealed class StoreFaults
{
    private readonly ConcurrentDictionary<string, StorageFault> _armed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _fired = new(StringComparer.Ordinal);

    public void Arm(EntityKey entity, StorageFault fault) => _armed[entity.ToString()] = fault;

    public int Fired(EntityKey entity) => _fired.GetValueOrDefault(entity.ToString());

    public IEntityStoreProvider Wrap(IEntityStoreProvider inner) => new Provider(inner, this);

    private StorageFault? Take(string entity)
    {
        if (!_armed.TryRemove(entity, out var fault))
        {
            return null;
        }

        _fired.AddOrUpdate(entity, 1, (_, count) => count + 1);
        return fault;
    }

    private sealed class Provider(IEntityStoreProvider inner, StoreFaults faults) : IEntityStoreProvider
    {
        public IEntityStore Open(EntityKey entity, IGrainContext grain) => new Store(inner.Open(entity, grain), entity.ToString(), faults);
    }

    private sealed class Store(IEntityStore inner, string entity, StoreFaults faults) : IEntityStore
    {
        public EntityRecord Current => inner.Current;

        public bool IsLoaded => inner.IsLoaded;

        public Task EnsureLoadedAsync() => inner.EnsureLoadedAsync();

        public ValueTask FindEntryAsync(string messageId) => inner.FindEntryAsync(messageId);

        public void Reset() => inner.Reset();

        public async Task CommitAsync(IReadOnlyList<EntityChange> changes)
        {
            switch (faults.Take(entity))
            {
                case StorageFault.ThrowBeforeWrite:
                    inner.Reset();
                    throw new EntityStoreUnavailableException($"Injected: the write of {entity} failed before anything was stored.");
                case StorageFault.ThrowAfterWrite:
                    await inner.CommitAsync(changes);
                    inner.Reset();
                    throw new EntityStoreUnavailableException($"Injected: the write of {entity} was stored, then the connection was lost.");
                default:
                    await inner.CommitAsync(changes);
                    break;
            }
        }
    }
}
