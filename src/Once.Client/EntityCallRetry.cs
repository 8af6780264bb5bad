using System.Diagnostics;
using Once.Abstractions;

namespace Once.Client;

/// <summary>
/// Sends a message again, with the same id, while a failure left its outcome unknown: the call timed
/// out (the silo died or froze), Orleans rejected it before it reached a live silo (the cluster has
/// not evicted a dead one yet), or the entity's database was unavailable. Safe for every entity call:
/// reads change nothing, and a message sent again is answered from the entity's ledger, so it is
/// applied at most once however often it is sent. A new attempt starts only within the budget
/// (<see cref="EntityCallOptions.RetryBudget"/>) of the first, so a caller waits at most about the
/// budget plus one call's time-out; then the last failure is thrown.
/// </summary>
public static class EntityCallRetry
{
    private static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxPause = TimeSpan.FromSeconds(1);

    /// <summary>Sends the message, again with the same id while its outcome is unknown, within <paramref name="budget"/>.</summary>
    public static Task<MessageOutcome> SendWithRetryAsync(
        this IGrainFactory grains, MessageEnvelope envelope, TimeSpan budget, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(envelope);
        return WithRetryAsync(() => grains.SendAsync(envelope), budget, cancellationToken);
    }

    /// <summary>Runs the call, again while its outcome is unknown (see the class summary), within <paramref name="budget"/>.</summary>
    public static async Task<T> WithRetryAsync<T>(Func<Task<T>> call, TimeSpan budget, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        var elapsed = Stopwatch.StartNew();
        var pause = FirstPause;
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

    /// <summary>Whether this failure leaves the outcome of the call unknown, so that sending again is the answer.</summary>
    public static bool IsOutcomeUnknown(Exception exception) =>
        exception is TimeoutException or OrleansMessageRejectionException or EntityStoreUnavailableException;
}
