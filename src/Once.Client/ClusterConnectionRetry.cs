using Microsoft.Extensions.Logging;

namespace Once.Client;

/// <summary>
/// Keeps a starting cluster client trying (the silos or the membership database may still be starting),
/// one clear log line per attempt, until <see cref="OnceOptions.DatabaseWaitTimeout"/> has passed.
/// </summary>
internal sealed partial class ClusterConnectionRetry(OnceOptions options, ILogger<ClusterConnectionRetry> logger) : IClientConnectionRetryFilter
{
    private readonly DateTime _start = DateTime.UtcNow;

    public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
    {
        if (DateTime.UtcNow - _start > options.DatabaseWaitTimeout)
        {
            return false;
        }

        LogRetry(logger, exception.GetBaseException().Message);
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot connect to the cluster yet: {Problem}. Retrying in 2 s; not ready until then.")]
    private static partial void LogRetry(ILogger logger, string problem);
}
