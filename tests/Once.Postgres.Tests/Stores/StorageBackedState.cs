using Orleans.Storage;

namespace Once.Postgres.Tests.Stores;

/// <summary>
/// An entity grain's persistent state over a silo's real grain storage provider, without the grain:
/// lets the store compliance tests drive the grain-storage store directly, one "activation" per instance.
/// </summary>
internal sealed class StorageBackedState<T>(IGrainStorage storage, string stateName, GrainId grain) : IPersistentState<T>, IGrainState<T>
    where T : new()
{
    private T _state = new();

    [System.Diagnostics.CodeAnalysis.AllowNull]
    public T State
    {
        get => _state;
        set => _state = value ?? new T();
    }

    public string? ETag { get; set; }

    public bool RecordExists { get; set; }

    public string? Etag => ETag;

    public Task ReadStateAsync() => storage.ReadStateAsync(stateName, grain, this);

    public Task WriteStateAsync() => storage.WriteStateAsync(stateName, grain, this);

    public Task ClearStateAsync() => storage.ClearStateAsync(stateName, grain, this);

    public Task ReadStateAsync(CancellationToken cancellationToken) => ReadStateAsync();

    public Task WriteStateAsync(CancellationToken cancellationToken) => WriteStateAsync();

    public Task ClearStateAsync(CancellationToken cancellationToken) => ClearStateAsync();
}
