namespace Once.Abstractions;

/// <summary>Size limits every ingress channel shares.</summary>
public static class MessageLimits
{
    /// <summary>The largest accepted message data (and HTTP body): 64 KiB.</summary>
    public const int MaxDataBytes = 64 * 1024;
}
