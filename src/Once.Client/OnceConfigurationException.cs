namespace Once.Client;

/// <summary>The settings are wrong; the message lists every problem, each naming its setting.</summary>
public sealed class OnceConfigurationException : Exception
{
    public OnceConfigurationException()
    {
        Problems = [];
    }

    public OnceConfigurationException(string message)
        : base(message)
    {
        Problems = [message];
    }

    public OnceConfigurationException(string message, Exception inner)
        : base(message, inner)
    {
        Problems = [message];
    }

    public OnceConfigurationException(IReadOnlyList<string> problems)
        : base("Invalid configuration: " + string.Join(" ", problems))
    {
        Problems = problems;
    }

    public IReadOnlyList<string> Problems { get; }
}
