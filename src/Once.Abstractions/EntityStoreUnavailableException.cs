namespace Once.Abstractions;

/// <summary>
/// The entity's storage failed while writing or reading (the database is unreachable, restarting, or
/// refused the write). The outcome of the message is unknown: it may or may not have been committed.
/// Send it again with the same message id; the entity's ledger answers a retry of a committed one.
/// </summary>
[GenerateSerializer, Alias("once.EntityStoreUnavailableException")]
public sealed class EntityStoreUnavailableException : OrleansException
{
    public EntityStoreUnavailableException()
    {
    }

    public EntityStoreUnavailableException(string message)
        : base(message)
    {
    }

    public EntityStoreUnavailableException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
