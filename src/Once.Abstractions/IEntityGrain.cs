namespace Once.Abstractions;

/// <summary>
/// One entity, keyed <c>{type}/{id}</c>: applies each message once and remembers the outcome.
/// Use <see cref="EntityClientExtensions"/> rather than calling it directly.
/// </summary>
[Alias("once.IEntityGrain")]
public interface IEntityGrain : IGrainWithStringKey
{
    /// <summary>Processes a message exactly once and returns its outcome (recorded or replayed).</summary>
    /// <remarks>Interleaves: concurrent messages for one entity queue inside it and are decided in order, several per write.</remarks>
    [Alias("Send")]
    [Orleans.Concurrency.AlwaysInterleave]
    Task<MessageOutcome> SendAsync(MessageEnvelope envelope);

    /// <summary>Returns the entity's state, or null when no message was ever applied to it.</summary>
    [Alias("Get")]
    Task<EntitySnapshot?> GetAsync();

    /// <summary>Returns the recorded outcome of a message id, or null when the entity does not know it.</summary>
    [Alias("GetOutcome")]
    Task<MessageOutcome?> GetOutcomeAsync(MessageId messageId);
}
