using Once.Abstractions;

namespace Once.Grains;

/// <summary>
/// Messages the stream queue itself gave up on (expired, or out of the queue's own attempts) before any
/// entity could set them aside, kept where the queue keeps them. The dead-letter grain lists them next
/// to its own, with source <c>queue</c>. Registered only for a durable stream provider.
/// </summary>
public interface IQueueDeadLetters
{
    /// <summary>The first <paramref name="count"/> queue dead letters, oldest first, and how many there are in all.</summary>
    Task<DeadLetterPage> ListAsync(int count);

    /// <summary>One queue dead letter by its id, or null when there is none (or the id is not a queue one).</summary>
    Task<DeadLetter?> GetAsync(string id);

    /// <summary>Deletes a queue dead letter (after it was processed again); false when there is none.</summary>
    Task<bool> RemoveAsync(string id);
}
