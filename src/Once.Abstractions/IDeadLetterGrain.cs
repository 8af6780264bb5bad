namespace Once.Abstractions;

/// <summary>
/// The cluster's dead-letter store (one grain, key <see cref="Key"/>): messages never dropped silently.
/// Only the silos set messages aside; callers list, read and remove them.
/// </summary>
[Alias("once.IDeadLetterGrain")]
public interface IDeadLetterGrain : IGrainWithStringKey
{
    public const string Key = "dead-letters";

    /// <summary>Lists dead letters, oldest first.</summary>
    [Alias("List")]
    Task<DeadLetterPage> ListAsync(int offset, int limit);

    /// <summary>One dead letter, or null when unknown.</summary>
    [Alias("Get")]
    Task<DeadLetter?> GetAsync(string id);

    /// <summary>Removes a dead letter (after it was processed again); false when unknown.</summary>
    [Alias("Remove")]
    Task<bool> RemoveAsync(string id);
}
