using System.Diagnostics;

namespace Once.Postgres.Tests;

/// <summary>Streams work after the publish returns: wait for a condition, with a deadline generous enough for a busy 2-core machine.</summary>
internal static class Eventually
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(45);

    public static async Task<T> MatchAsync<T>(Func<Task<T>> read, Func<T, bool> done, string failure)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        var elapsed = Stopwatch.StartNew();
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            Assert.True(elapsed.Elapsed < Deadline, $"{failure} (last value: {value})");
            await timer.WaitForNextTickAsync();
        }
    }

    public static async Task<T> FoundAsync<T>(Func<Task<T?>> read, string failure)
        where T : class =>
        (await MatchAsync(read, value => value is not null, failure))!;
}
