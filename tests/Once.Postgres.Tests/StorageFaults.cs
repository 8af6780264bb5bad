using System.Collections.Concurrent;
using Once.Abstractions;

namespace Once.Postgres.Tests;

/// <summary>
/// The faults a test arms, per entity, for <see cref="FaultInjectingGrainStorage"/>. Held by the test,
/// shared by every silo of its cluster; each armed fault fires once, on that entity's next write.
/// </summary>
internal sealed class StorageFaults
{
    private readonly ConcurrentDictionary<string, StorageFault> _armed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _fired = new(StringComparer.Ordinal);

    /// <summary>Fails the next write of one entity's state in the given way.</summary>
    public void Arm(EntityKey entity, StorageFault fault) => _armed[entity.ToString()] = fault;

    /// <summary>How many armed faults of this entity have fired.</summary>
    public int Fired(EntityKey entity) => _fired.GetValueOrDefault(entity.ToString());

    /// <summary>Takes the fault armed for a grain key, if any, and counts it as fired.</summary>
    internal StorageFault? Take(string grainKey)
    {
        if (!_armed.TryRemove(grainKey, out var fault))
        {
            return null;
        }

        _fired.AddOrUpdate(grainKey, 1, (_, count) => count + 1);
        return fault;
    }
}
