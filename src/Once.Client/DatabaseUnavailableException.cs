namespace Once.Client;

/// <summary>PostgreSQL could not be reached within <see cref="OnceOptions.DatabaseWaitTimeout"/>.</summary>
public sealed class DatabaseUnavailableException : Exception
{
    public DatabaseUnavailableException()
    {
    }

    public DatabaseUnavailableException(string message)
        : base(message)
    {
    }

    public DatabaseUnavailableException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
