using Npgsql;

namespace Once.Benchmarks;

/// <summary>
/// Around one closed-loop run: WAL written, CPU of PostgreSQL, the silos, the API processes (for a
/// run sent through them) and this process, ledger index reads.
/// </summary>
internal sealed class Meter(NpgsqlDataSource sql, int postmaster, IReadOnlyList<int> siloPids, IReadOnlyList<int>? apiPids = null)
{
    /// <param name="throughApi">The run sends through the API processes: their CPU counts; otherwise they idle beside it and do not.</param>
    public async Task<CellMeasurement> MeasureAsync(Func<Task<LoopResult>> run, bool throughApi = false)
    {
        var before = await SnapshotAsync();
        var loop = await run();
        var after = await SnapshotAsync();
        return new CellMeasurement(
            loop,
            after.WalBytes - before.WalBytes,
            after.ServerCpu - before.ServerCpu,
            after.SiloCpu - before.SiloCpu,
            after.OwnCpu - before.OwnCpu,
            after.LedgerScans - before.LedgerScans,
            throughApi ? after.ApiCpu - before.ApiCpu : 0,
            after.Commits - before.Commits);
    }

    /// <summary>Nothing sent: transactions committed per second and silo CPU per second.</summary>
    /// <remarks>The "API" processes, if given, are measured apart as <see cref="IdleMeasurement.OtherCores"/> (such as a second cluster's silos).</remarks>
    public async Task<IdleMeasurement> MeasureIdleAsync(TimeSpan duration)
    {
        var before = await SnapshotAsync();
        await Task.Delay(duration);
        var after = await SnapshotAsync();
        var seconds = duration.TotalSeconds;
        return new IdleMeasurement(
            (after.Commits - before.Commits) / seconds,
            (after.SiloCpu - before.SiloCpu) / seconds,
            (after.WalBytes - before.WalBytes) / seconds,
            (after.ApiCpu - before.ApiCpu) / seconds);
    }

    private async Task<Snapshot> SnapshotAsync()
    {
        await using var command = sql.CreateCommand("""
            SELECT pg_stat_clear_snapshot();
            SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint,
                   (SELECT coalesce(idx_scan, 0) FROM pg_stat_user_tables WHERE relname = 'once_ledger'),
                   (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database())
            """);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.NextResultAsync();
        await reader.ReadAsync();
        return new Snapshot(
            reader.GetInt64(0),
            reader.GetInt64(1),
            reader.GetInt64(2),
            ProcessCpu.Seconds(ProcessCpu.ServerProcesses(postmaster)),
            ProcessCpu.Seconds(siloPids),
            ProcessCpu.Seconds(Environment.ProcessId),
            ProcessCpu.Seconds(apiPids ?? []));
    }

    private sealed record Snapshot(long WalBytes, long LedgerScans, long Commits, double ServerCpu, double SiloCpu, double OwnCpu, double ApiCpu);
}

/// <summary>One cell of one round: the loop's result and what it cost.</summary>
/// <param name="ApiCpuSeconds">The API processes' CPU, for a cell sent through them; 0 for the others.</param>
/// <param name="Commits">Transactions the database committed meanwhile (the cell's, and the few of membership and streams).</param>
internal sealed record CellMeasurement(LoopResult Loop, long WalBytes, double ServerCpuSeconds, double SiloCpuSeconds, double LoadCpuSeconds, long LedgerScans, double ApiCpuSeconds, long Commits)
{
    public double MessagesPerCommit => Loop.Messages / (double)Math.Max(1, Commits);

    public double WalPerMessage => WalBytes / (double)Math.Max(1, Loop.Messages);

    public double CpuMsPerMessage => 1000 * (ServerCpuSeconds + SiloCpuSeconds + ApiCpuSeconds + LoadCpuSeconds) / Math.Max(1, Loop.Messages);

    public double LedgerScansPerMessage => LedgerScans / (double)Math.Max(1, Loop.Messages);
}

/// <param name="OtherCores">The CPU of the other processes measured beside the silos (0 when there were none).</param>
/// <param name="CompilerCores">Of <paramref name="SiloCores"/>, the silos' tiered compilers.</param>
/// <param name="CompilerWait">How long the window waited, after the settling, for the silos' compilers and autovacuum to go quiet.</param>
internal sealed record IdleMeasurement(double CommitsPerSecond, double SiloCores, double WalBytesPerSecond, double OtherCores = 0, double CompilerCores = 0, TimeSpan CompilerWait = default);

/// <summary>The first cluster and the variant's idle side by side in one window.</summary>
/// <param name="CommitsPerSecond">Both clusters' commits together (the database counts them as one).</param>
internal sealed record IdleComparison(double FirstCores, double VariantCores, double CommitsPerSecond);
