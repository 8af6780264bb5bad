using Once.Abstractions;

namespace Once.Client;

/// <summary>
/// The entity types the cluster runs, for a front end that carries no handlers: asked of a silo the
/// first time, and again (at most once per <see cref="RefreshInterval"/>) when a name is not among
/// them, so types added by a silo deployment are found without restarting the front end, and a
/// stream of requests for a type that does not exist costs one question per interval.
/// </summary>
public sealed class EntityTypeDirectory(IGrainFactory grains, TimeProvider? time = null)
{
    /// <summary>The shortest time between two questions prompted by unknown names.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(1);

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private volatile Known? _known;

    /// <summary>Whether the cluster runs the entity type of this name, and the types it runs (sorted).</summary>
    public async Task<(bool Exists, IReadOnlyList<string> Types)> FindAsync(string type, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(type);
        var known = _known;
        if (known is not null && known.Types.Contains(type))
        {
            return (true, known.Sorted);
        }

        known = await RefreshAsync(known, cancellationToken);
        return (known.Types.Contains(type), known.Sorted);
    }

    private async Task<Known> RefreshAsync(Known? seen, CancellationToken cancellationToken)
    {
        await _refresh.WaitAsync(cancellationToken);
        try
        {
            var current = _known;
            if (current is not null && (current != seen || _time.GetUtcNow() - current.AskedAt < RefreshInterval))
            {
                return current;
            }

            var types = await grains.GetGrain<IEntityCatalogGrain>(0).GetEntityTypesAsync();
            _known = current = new Known(new HashSet<string>(types, StringComparer.Ordinal), types, _time.GetUtcNow());
            return current;
        }
        finally
        {
            _refresh.Release();
        }
    }

    private sealed record Known(HashSet<string> Types, IReadOnlyList<string> Sorted, DateTimeOffset AskedAt);
}
