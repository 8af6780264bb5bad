using Once.Abstractions;

namespace Once.Client;

/// <summary>
/// This publisher's stream settings differ from the cluster's, so what it enqueued would never be
/// processed: nothing was published. The message says what to set.
/// </summary>
public sealed class StreamSettingsMismatchException(string message) : Exception(message)
{
    /// <summary>The refusal when the two differ; null when they agree.</summary>
    public static string? Describe(StreamSettings mine, StreamSettings cluster)
    {
        ArgumentNullException.ThrowIfNull(mine);
        ArgumentNullException.ThrowIfNull(cluster);
        return mine == cluster
            ? null
            : $"This client publishes to {mine}, but the cluster's silos read {cluster}: its messages would never be processed. "
                + $"Configure it as the silos are: Once:Streams:Provider={cluster.Provider} (or the same Once:Storage) and Once:Streams:Partitions={cluster.Partitions}.";
    }
}
