using System.Diagnostics;

namespace Once.Http;

/// <summary>
/// Retries a grain call whose outcome a failure left unknown: it timed out (the silo died or froze),
/// Orleans rejected it before it reached a live silo (the cluster has not evicted the dead one yet),
/// or the entity's database was unavailable. Safe for every call the API makes: reads change nothing,
/// and a message sent again is answered from the entity's ledger. A new attempt starts only within
/// <see cref="EntityCallOptions.RetryBudget"/> of the first, so a request waits at most about the
/// budget plus one call's time-out.
/// </summary>
internal static class ClusterCalls
{
    private static readonly TimeSpan MaxPause = TimeSpan.FromSeconds(1);

    public static async Task<T> WithRetryAsync<T>(Func<Task<T>> call, TimeSpan budget, CancellationToken cancellationToken)
    {
        var elapsed = Stopwatch.StartNew();
        var pause = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            try
            {
                return await call();
            }
            catch (Exception e) when (IsOutcomeUnknown(e) && elapsed.Elapsed + pause < budget)
            {
                await Task.Delay(pause, cancellationToken);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, MaxPause.Ticks));
            }
        }
    }

    private static bool IsOutcomeUnknown(Exception e) =>
        e is TimeoutException or OrleansMessageRejectionException or EntityStoreUnavailableException;
}
