namespace Once.Core;

/// <summary>A write was based on a version storage no longer holds: someone else committed first.</summary>
public sealed class StaleWriteException : Exception
{
    public StaleWriteException()
    {
    }

    public StaleWriteException(string message)
        : base(message)
    {
    }

    public StaleWriteException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
