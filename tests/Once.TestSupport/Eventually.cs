using System.Diagnostics;

namespace Once.TestSupport;

/// <summary>
/// Streams, outboxes and crashes work after the call returns: wait for a condition, polling, with a
/// deadline (45 s unless told: a busy 2-core machine, stream redeliveries that back off), and fail with the last value seen.
/// </summary>
public static class Eventually
{
    private static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(45);

    public static async Task<T> MatchAsync<T>(Func<Task<T>> read, Func<T, bool> done, string failure, TimeSpan? deadline = null)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(done);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        var elapsed = Stopwatch.StartNew();
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            Assert.True(elapsed.Elapsed < (deadline ?? DefaultDeadline), $"{failure} (last value: {value})");
            await timer.WaitForNextTickAsync();
        }
    }

    public static async Task<T> FoundAsync<T>(Func<Task<T?>> read, string failure, TimeSpan? deadline = null)
        where T : class =>
        (await MatchAsync(read, value => value is not null, failure, deadline))!;

    /// <summary>
    /// Waits until <paramref name="done"/> answers true or <paramref name="deadline"/> passes, and says
    /// which: for a wait whose condition may rightly never come (it comes only when a protection is off).
    /// </summary>
    public static Task<bool> WithinAsync(Func<bool> done, TimeSpan deadline)
    {
        ArgumentNullException.ThrowIfNull(done);
        return WithinAsync(() => Task.FromResult(done()), deadline);
    }

    /// <inheritdoc cref="WithinAsync(Func{bool}, TimeSpan)"/>
    public static async Task<bool> WithinAsync(Func<Task<bool>> done, TimeSpan deadline)
    {
        ArgumentNullException.ThrowIfNull(done);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        var elapsed = Stopwatch.StartNew();
        while (!await done())
        {
            if (elapsed.Elapsed >= deadline)
            {
                return false;
            }

            await timer.WaitForNextTickAsync();
        }

        return true;
    }

    /// <summary>Waits until <paramref name="done"/> answers true.</summary>
    public static Task TrueAsync(Func<Task<bool>> done, string failure, TimeSpan? deadline = null) =>
        MatchAsync(done, value => value, failure, deadline);
}
