namespace Once;

/// <summary>
/// The persistence seam of one entity: load it, and commit one change (state, version and ledger
/// entries together) in one write. The decision logic sees nothing else of storage, so the layout
/// behind it can change (for example a ledger that appends rows instead of rewriting every id).
/// </summary>
public interface IEntityStore
{
    /// <summary>The entity as last loaded or committed. Call <see cref="EnsureLoadedAsync"/> first.</summary>
    EntityRecord Current { get; }

    /// <summary>Loads the entity if it is not loaded, or reloads it after a failed commit.</summary>
    Task EnsureLoadedAsync();

    /// <summary>
    /// Writes the change, based on the version that was loaded. Throws <see cref="StaleWriteException"/>
    /// when storage holds a newer version (another activation wrote). On any failure the change may or
    /// may not be durable; the store then reloads before it is used again.
    /// </summary>
    Task CommitAsync(EntityChange change);
}
