namespace Once.Client;

/// <summary>The exit codes of a Once process that cannot run.</summary>
public static class OnceExitCodes
{
    /// <summary>A setting is wrong or missing; the message names it.</summary>
    public const int ConfigurationError = 2;

    /// <summary>PostgreSQL did not answer within <see cref="OnceOptions.DatabaseWaitTimeout"/>.</summary>
    public const int DatabaseUnavailable = 3;
}
