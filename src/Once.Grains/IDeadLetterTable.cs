using Once.Abstractions;

namespace Once.Grains;

/// <summary>
/// Dead letters kept in a table of their own (the native PostgreSQL store), paged by the database,
/// instead of in the dead-letter grain's single state row. When one is registered the dead-letter
/// grain keeps its own entries there.
/// </summary>
public interface IDeadLetterTable
{
    /// <summary>Adds a dead letter, or replaces the one with the same id.</summary>
    Task AddAsync(DeadLetter deadLetter);

    /// <summary>The dead letters from <paramref name="offset"/>, at most <paramref name="limit"/>, oldest first, and how many there are in all.</summary>
    Task<DeadLetterPage> ListAsync(int offset, int limit);

    Task<DeadLetter?> GetAsync(string id);

    /// <summary>Deletes one; false when there is none.</summary>
    Task<bool> RemoveAsync(string id);
}
