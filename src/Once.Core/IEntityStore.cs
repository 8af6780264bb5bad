namespace Once.Core;

/// <summary>
/// The persistence seam of one entity: load it, and commit one change (state, version and ledger
/// entries together) in one write. The decision logic sees nothing else of storage, so the layout
/// behind it can change (the whole ledger in one row, or a ledger table with a hot set in memory).
/// </summary>
public interface IEntityStore
{
    /// <summary>
    /// The entity as last loaded or committed; never a change that is not durable (a store applies a
    /// change to it only after the write succeeded). Call <see cref="EnsureLoadedAsync"/> first.
    /// </summary>
    EntityRecord Current { get; }

    /// <summary>False before the first load and after a failed commit, until <see cref="EnsureLoadedAsync"/>.</summary>
    bool IsLoaded { get; }

    /// <summary>Loads the entity if it is not loaded, or reloads it after a failed commit.</summary>
    Task EnsureLoadedAsync();

    /// <summary>
    /// Makes sure that if storage holds a ledger entry for <paramref name="messageId"/>, <see cref="Current"/>
    /// finds it. A store that keeps the whole ledger in memory has nothing to do; one that keeps only
    /// recent entries reads an older one back, and only when its filter says the id may be there.
    /// Call after <see cref="EnsureLoadedAsync"/>.
    /// </summary>
    ValueTask FindEntryAsync(string messageId);

    /// <summary>
    /// Writes the changes, in order, as one write based on the version that was loaded (several
    /// messages decided one after another for one entity). Throws <see cref="StaleWriteException"/>
    /// when storage holds a newer version (another activation wrote). On any failure the changes may
    /// or may not be durable, all or none; the store then reloads before it is used again.
    /// </summary>
    Task CommitAsync(IReadOnlyList<EntityChange> changes);

    /// <summary>Forgets what is loaded: the next <see cref="EnsureLoadedAsync"/> reads storage again.</summary>
    void Reset();
}
