using System.Diagnostics;

namespace Once.Http.Tests;

/// <summary>Streams and outboxes work after the request returns: wait for a condition, with a deadline.</summary>
internal static class Eventually
{
    /// <summary>Generous: another test run may share the machine, and stream redeliveries back off.</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

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
}
