namespace Once.Abstractions;

/// <summary>
/// Operator actions on one entity (the HTTP API's <c>admin</c> scope), keyed like
/// <see cref="IEntityGrain"/>. No method takes a URL or a body: what is requeued is what the
/// dead-letter store holds.
/// </summary>
[Alias("once.IEntityAdminGrain")]
public interface IEntityAdminGrain : IGrainWithStringKey
{
    /// <summary>
    /// Puts the HTTP effect the dead letter <paramref name="deadLetterId"/> holds back into this
    /// entity's outbox, to be sent again with the same key, and removes the dead letter; false when the
    /// store holds no such dead letter of this entity with an effect in it.
    /// </summary>
    [Alias("RequeueEffect")]
    Task<bool> RequeueEffectAsync(string deadLetterId);
}
