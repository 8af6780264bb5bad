using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Xunit.Abstractions;

namespace Once.Postgres.Tests.Processes;

/// <summary>
/// Graceful shutdown on the stream side: deposits with duplicates keep coming through the durable
/// PostgreSQL stream (over HTTP) while all three silos are restarted one after another with SIGTERM,
/// each stop during a burst of publishes so that the silo holds leased messages when its pulling agents
/// stop. A silo told to stop hands those back to the queue (their lease ends at once) and the silos that
/// take its queues over deliver them straight away. Afterwards every queue must be empty within 30 s
/// and every accepted message applied exactly once.
/// What makes the check fail without that hand-over: a leased message stays invisible until its
/// visibility timeout runs out, here 10 minutes, so the queues would not be empty within the 30 s.
/// The negative control does the same with SIGKILL, where nobody can hand the leases back, and finds
/// messages still leased after the 30 s.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class StreamRollingRestartTests(PostgresServer postgres, ITestOutputHelper output)
{
    private const int Accounts = 200;
    private const int MessagesPerSecond = 100;
    private const int Burst = 600;

    /// <summary>
    /// How long a lease that is never handed back keeps its message hidden: far longer than the whole
    /// test, so within <see cref="HandOverBound"/> only a hand-over brings a stopped silo's messages back.
    /// </summary>
    private static readonly TimeSpan VisibilityTimeout = TimeSpan.FromMinutes(10);

    /// <summary>From the end of the restart (and of the load) until every queue must be empty.</summary>
    private static readonly TimeSpan HandOverBound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task StreamLoadDuringRollingRestart_SilosStoppedWithSigterm_LeasesHandedOverNothingLostNothingDoubled()
    {
        var run = await RunAsync(graceful: true);

        Assert.Equal(0, run.Load.Unanswered);
        Assert.Equal(run.Load.Distinct.Count, run.Load.Acknowledged.Count);
        Assert.InRange(run.Load.MostAttempts, 1, 2);
        Assert.True(
            run.Drained,
            $"{run.Left.Leased} of {run.Left.Pending} stream messages were still leased {HandOverBound.TotalSeconds:0} s after the restart " +
            $"(hidden for up to {run.Left.LeaseLeft?.TotalSeconds:0} s more): a stopped silo kept its leases instead of handing them back");
        // A stop during which no lease came back proves nothing about the hand-over: the queue balancer
        // spreads the 8 queues unevenly, so a silo may own none or one and hold no lease when it stops.
        // One of the three stops is enough to make the check above mean something.
        Assert.True(run.HandedBackOnStop.Sum() > 0, "no stopped silo handed a lease back: none held one, so the hand-over was not exercised");
        Assert.Empty(run.Violations);
    }

    [Fact]
    public async Task StreamLoadDuringRollingRestart_SilosKilled_NegativeControlLeavesMessagesLeased()
    {
        var run = await RunAsync(graceful: false);

        Assert.False(run.Drained, "every queue emptied although the silos were killed: the check cannot tell a hand-over from none");
        Assert.True(run.Left.Leased > 0, $"{run.Left.Pending} messages were left, none of them leased");
    }

    private async Task<Run> RunAsync(bool graceful)
    {
        var clock = Stopwatch.StartNew();
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await LocalCluster.StartAsync(database, new Dictionary<string, string>
        {
            ["Once__Streams__VisibilityTimeout"] = VisibilityTimeout.ToString("c", CultureInfo.InvariantCulture),
        });
        await using var sql = new NpgsqlConnection(database);
        await sql.OpenAsync();
        await RecordHandBacksAsync(sql);
        var started = clock.Elapsed;

        using var workload = new StreamWorkload(cluster, Accounts, MessagesPerSecond, seed: 20261203);
        var stops = new List<long>();
        var steps = new List<string>();
        async Task RollingRestartAsync()
        {
            for (var silo = 1; silo <= 3; silo++)
            {
                var step = Stopwatch.StartNew();
                var before = await HandBacksAsync(sql);

                // The burst keeps the queues busy while the silo stops, so it holds leases when its pulling agents stop.
                // Leases handed back meanwhile are the stopping silo's (the others only gain queues when it leaves),
                // unless the rebalancing after the previous start is still under way.
                var burst = workload.BurstAsync(Burst);
                await (graceful ? cluster.StopSiloAsync(silo) : cluster.KillSiloAsync(silo));
                var down = step.Elapsed;
                stops.Add(await HandBacksAsync(sql) - before);
                await burst;
                await cluster.StartSiloAsync(silo);
                steps.Add($"silo{silo} stopped in {down.TotalSeconds:0.0} s handing back {stops[^1]} leases, ready again {(step.Elapsed - down).TotalSeconds:0.0} s later");
            }
        }

        var load = await workload.RunAsync(RollingRestartAsync);
        var restarted = clock.Elapsed;

        // Every queue empty: every message was delivered to its entity, applied there and confirmed.
        var drained = await Eventually.WithinAsync(async () => (await ReadQueuesAsync(sql)).Pending == 0, HandOverBound);
        var emptied = clock.Elapsed - restarted;
        var left = await ReadQueuesAsync(sql);
        var handedBack = await HandBacksAsync(sql);

        // A message still leased would count as lost: the checker's verdict means something only once the queues are empty.
        IReadOnlyList<string> violations = [];
        if (drained)
        {
            using var http = cluster.CreateApiClient(TimeSpan.FromSeconds(90));
            violations = await ExactlyOnceChecker.CheckAsync(http, load);
        }

        output.WriteLine(
            $"{(graceful ? "SIGTERM" : "SIGKILL")}: cluster up in {started.TotalSeconds:0} s; load and restart {(restarted - started).TotalSeconds:0} s " +
            $"({string.Join("; ", steps)}); distinct messages {load.Distinct.Count}, publishes {load.Sends}, accepted {load.Acknowledged.Count}, " +
            $"retries {load.Retries}, most attempts {load.MostAttempts}, unanswered {load.Unanswered}; leases handed back {handedBack} in all; queues " +
            (drained ? $"empty {emptied.TotalSeconds:0.0} s after the restart" : $"not empty after {HandOverBound.TotalSeconds:0} s: {left}") +
            $"; violations {violations.Count}; checked after {clock.Elapsed.TotalSeconds:0} s");
        foreach (var violation in violations.Take(10))
        {
            output.WriteLine(violation);
        }

        return new Run(load, stops, drained, left, violations);
    }

    /// <summary>
    /// Records every lease that ends before its time: the same attempt count, visible again earlier than
    /// the lease said. That is a silo handing a message back as it stops pulling the queue (because it
    /// stops, or because it gives the queue to a silo that joined), or a delivery that failed for good
    /// (not expected here).
    /// </summary>
    private static async Task RecordHandBacksAsync(NpgsqlConnection sql)
    {
        await using var command = new NpgsqlCommand("""
            CREATE TABLE handed_back (message_id bigint NOT NULL, lease_left interval NOT NULL);
            CREATE FUNCTION record_hand_back() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              INSERT INTO handed_back VALUES (NEW.message_id, OLD.visible_on - NEW.visible_on);
              RETURN NULL;
            END $$;
            CREATE TRIGGER record_hand_back AFTER UPDATE ON once_stream_message
              FOR EACH ROW WHEN (NEW.dequeued = OLD.dequeued AND NEW.visible_on < OLD.visible_on)
              EXECUTE FUNCTION record_hand_back();
            """, sql);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> HandBacksAsync(NpgsqlConnection sql)
    {
        await using var command = new NpgsqlCommand("SELECT count(*) FROM handed_back", sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<Queues> ReadQueuesAsync(NpgsqlConnection sql)
    {
        await using var command = new NpgsqlCommand("""
            SELECT count(*),
                   count(*) FILTER (WHERE visible_on > now()),
                   max(visible_on - now()) FILTER (WHERE visible_on > now())
              FROM once_stream_message
            """, sql);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new Queues(reader.GetInt64(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetTimeSpan(2));
    }

    /// <summary>What waits in the stream queues: every message, the ones leased now, and the longest lease left.</summary>
    private sealed record Queues(long Pending, long Leased, TimeSpan? LeaseLeft);

    /// <summary>The load, the leases each stopped silo handed back, and the queues after the bound.</summary>
    private sealed record Run(KillWorkload.Result Load, IReadOnlyList<long> HandedBackOnStop, bool Drained, Queues Left, IReadOnlyList<string> Violations);
}
