using System.Diagnostics;

namespace Once.Http;

/// <summary>
/// Retries a grain call that Orleans rejected before it reached a live silo (the silo that hosted
/// the entity died and the cluster has not noticed yet). Safe for every call the API makes: reads
/// change nothing, and a message sent again is answered from the entity's ledger.
/// </summary>
internal static class ClusterCalls
{
    /// <summary>How long to keep retrying: covers the cluster's default detection of a dead silo.</summary>
    public static readonly TimeSpan RetryBudget = TimeSpan.FromSeconds(45);

    public static async Task<T> WithRetryAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        var elapsed = Stopwatch.StartNew();
        var pause = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                return await call();
            }
            catch (OrleansMessageRejectionException) when (elapsed.Elapsed + pause < RetryBudget)
            {
                await Task.Delay(pause, cancellationToken);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
            }
        }
    }
}
