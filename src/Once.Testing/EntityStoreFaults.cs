using System.Collections.Concurrent;
using Once.Abstractions;
using Once.Core;
using Once.Grains;

namespace Once.Testing;

/// <summary>
/// Storage faults a test arms per entity, for any entity store: the entity's next commit fails
/// before anything is stored, after it was stored (the database has the change, the caller sees an
/// error), or as a stale write. After a failure the store is reset, as after a real one, so the
/// entity reloads what is durable. <see cref="OnceTestCluster"/> puts them around its silos' stores.
/// </summary>
public sealed class EntityStoreFaults
{
    private readonly ConcurrentDictionary<string, StoreFault> _armed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _fired = new(StringComparer.Ordinal);

    /// <summary>Arms <paramref name="fault"/> for the next commit of <paramref name="entity"/> (one shot; a second arm replaces it).</summary>
    public void Arm(EntityKey entity, StoreFault fault) => _armed[entity.ToString()] = fault;

    /// <summary>How many armed faults of <paramref name="entity"/> have fired: a test checks its faults really happened.</summary>
    public int Fired(EntityKey entity) => _fired.GetValueOrDefault(entity.ToString());

    /// <summary>The stores of <paramref name="inner"/>, with these faults in their commits.</summary>
    public IEntityStoreProvider Wrap(IEntityStoreProvider inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        return new Provider(inner, this);
    }

    private StoreFault? Take(string entity)
    {
        if (!_armed.TryRemove(entity, out var fault))
        {
            return null;
        }

        _fired.AddOrUpdate(entity, 1, (_, count) => count + 1);
        return fault;
    }

    private sealed class Provider(IEntityStoreProvider inner, EntityStoreFaults faults) : IEntityStoreProvider
    {
        public IEntityStore Open(EntityKey entity, IGrainContext grain) => new Store(inner.Open(entity, grain), entity.ToString(), faults);
    }

    private sealed class Store(IEntityStore inner, string entity, EntityStoreFaults faults) : IEntityStore
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
                case StoreFault.FailBeforeCommit:
                    inner.Reset();
                    throw new EntityStoreUnavailableException($"Injected: the write of {entity} failed before anything was stored.");
                case StoreFault.FailAfterCommit:
                    await inner.CommitAsync(changes);
                    inner.Reset();
                    throw new EntityStoreUnavailableException($"Injected: the write of {entity} was stored, then the connection was lost.");
                case StoreFault.StaleWrite:
                    inner.Reset();
                    throw new StaleWriteException($"Injected: another activation wrote {entity} first.");
                default:
                    await inner.CommitAsync(changes);
                    break;
            }
        }
    }
}
