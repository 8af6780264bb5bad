using Orleans.Storage;

namespace Once.Postgres.Tests;

/// <summary>
/// Wraps the real ADO.NET grain storage and fails a write when a fault is armed for its grain: either
/// before the write reaches PostgreSQL, or after PostgreSQL committed it (the caller sees an error for
/// a write that is durable). Reads and clears pass through.
/// </summary>
internal sealed class FaultInjectingGrainStorage(IGrainStorage inner, StorageFaults faults) : IGrainStorage
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ReadStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var key = grainId.Key.ToString()!;
        var fault = faults.Take(key);
        if (fault == StorageFault.StaleWrite)
        {
            throw new NotSupportedException("A stale write is not injected here: two real activations race for it instead.");
        }

        if (fault == StorageFault.ThrowBeforeWrite)
        {
            throw new IOException($"Injected: the write of {key} failed before it reached PostgreSQL.");
        }

        await inner.WriteStateAsync(stateName, grainId, grainState);
        if (fault == StorageFault.ThrowAfterWrite)
        {
            throw new IOException($"Injected: the write of {key} committed in PostgreSQL, then the acknowledgement was lost.");
        }
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ClearStateAsync(stateName, grainId, grainState);
}
