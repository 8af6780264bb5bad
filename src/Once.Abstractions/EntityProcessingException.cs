namespace Once.Abstractions;

/// <summary>
/// The entity failed to process the message for a reason of its own (its handler threw): nothing was
/// committed for it. It carries the original error's type name and message, since that error may be
/// of a type the caller cannot deserialise. Sending the message again fails the same way until the
/// handler is fixed.
/// </summary>
[GenerateSerializer, Alias("once.EntityProcessingException")]
public sealed class EntityProcessingException : Exception
{
    public EntityProcessingException()
    {
    }

    public EntityProcessingException(string message)
        : base(message)
    {
    }

    public EntityProcessingException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
