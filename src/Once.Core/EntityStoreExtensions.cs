namespace Once.Core;

public static class EntityStoreExtensions
{
    /// <summary>Writes one change; see <see cref="IEntityStore.CommitAsync(IReadOnlyList{EntityChange})"/>.</summary>
    public static Task CommitAsync(this IEntityStore store, EntityChange change)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(change);
        return store.CommitAsync([change]);
    }
}
