using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Once.Abstractions;
using Once.Core;
using Orleans.Storage;

namespace Once.Cluster.Tests;

/// <summary>
/// Grain storage held by the test process rather than by any silo, so state survives a killed silo.
/// Rows are kept as JSON with an integer version as ETag and a version check on every write, like a
/// database row. One-shot faults can be armed per entity to fail a write before or after it is stored.
/// </summary>
public sealed class SharedGrainStorage : IGrainStorage
{
    private readonly ConcurrentDictionary<string, Row> _rows = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ArmedFault> _faults = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    private const string EntityGrainStateName = Grains.EntityGrainNames.StateName;

    /// <summary>Fails a later write of one entity's state in the given way: the next one, or the one after <paramref name="skipWrites"/> successful writes.</summary>
    public void Arm(EntityKey entity, StorageFault fault, int skipWrites = 0) => _faults[entity.ToString()] = new ArmedFault(fault, skipWrites);

    /// <summary>True while an armed fault has not fired yet.</summary>
    public bool IsArmed(EntityKey entity) => _faults.ContainsKey(entity.ToString());

    /// <summary>The stored version of an entity's row (0 when there is none): counts committed writes.</summary>
    public long StoredWrites(EntityKey entity) =>
        _rows.TryGetValue(RowKey(EntityGrainStateName, entity.ToString()), out var row) ? row.Version : 0;

    /// <summary>The stored entity state, read straight from the row.</summary>
    public EntityState? StoredState(EntityKey entity) =>
        _rows.TryGetValue(RowKey(EntityGrainStateName, entity.ToString()), out var row) ? JsonSerializer.Deserialize<EntityState>(row.Json) : null;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (_rows.TryGetValue(RowKey(stateName, grainId.Key.ToString()!), out var row))
        {
            grainState.State = JsonSerializer.Deserialize<T>(row.Json)!;
            grainState.ETag = row.Version.ToString(CultureInfo.InvariantCulture);
            grainState.RecordExists = true;
        }
        else
        {
            grainState.State = Activator.CreateInstance<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
        }

        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var key = grainId.Key.ToString()!;
        var rowKey = RowKey(stateName, key);
        var json = JsonSerializer.Serialize(grainState.State);
        lock (_gate)
        {
            var fault = TakeFault(key);
            if (fault == StorageFault.ThrowBeforeWrite)
            {
                throw new IOException($"Injected: the write of {key} failed before anything was stored.");
            }

            if (fault == StorageFault.DriverErrorBeforeWrite)
            {
                throw new DriverException($"Injected: the database refused the write of {key}.");
            }

            _rows.TryGetValue(rowKey, out var current);
            if (fault == StorageFault.StaleWrite)
            {
                current = new Row(json, current.Version + 1);
                _rows[rowKey] = current;
            }

            var storedEtag = current.Json is null ? null : current.Version.ToString(CultureInfo.InvariantCulture);
            if (storedEtag != grainState.ETag)
            {
                throw new InconsistentStateException(
                    $"Version conflict writing {key}: stored {storedEtag ?? "none"}, expected {grainState.ETag ?? "none"}.",
                    storedEtag ?? string.Empty,
                    grainState.ETag ?? string.Empty);
            }

            var next = new Row(json, current.Version + 1);
            _rows[rowKey] = next;
            if (fault == StorageFault.ThrowAfterWrite)
            {
                throw new IOException($"Injected: the write of {key} was stored, then the connection was lost.");
            }

            if (fault == StorageFault.DriverErrorAfterWrite)
            {
                throw new DriverException($"Injected: the write of {key} was stored, then the database connection broke.");
            }

            grainState.ETag = next.Version.ToString(CultureInfo.InvariantCulture);
            grainState.RecordExists = true;
        }

        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        _rows.TryRemove(RowKey(stateName, grainId.Key.ToString()!), out _);
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }

    /// <summary>The fault armed for this write, if any; called under the gate so skips count each write once.</summary>
    private StorageFault? TakeFault(string key)
    {
        if (!_faults.TryGetValue(key, out var armed))
        {
            return null;
        }

        if (armed.SkipWrites > 0)
        {
            _faults[key] = armed with { SkipWrites = armed.SkipWrites - 1 };
            return null;
        }

        _faults.TryRemove(key, out _);
        return armed.Fault;
    }

    private static string RowKey(string stateName, string grainKey) => $"{stateName}|{grainKey}";

    private readonly record struct Row(string Json, long Version);

    private readonly record struct ArmedFault(StorageFault Fault, int SkipWrites);
}
