using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Once.Abstractions;
using Once.Grains;

namespace Once.Hosting.Postgres;

/// <summary>
/// The silo's group commit: one loop takes every entity write that is waiting (up to the configured
/// count and bytes), writes them with one statement in one transaction, and answers each only after
/// COMMIT returned. A lone write does not wait for a timer: whatever queued while the previous commit
/// was in flight forms the next batch. A stale entity changes nothing and is told so alone; a batch
/// that the database refuses (a duplicate ledger key, a failing trigger) is written again entity by
/// entity, so one entity's failure never fails its neighbours.
/// </summary>
internal sealed partial class PostgresCommitter : IAsyncDisposable
{
    /// <summary>
    /// The statements of a batch, by what it carries (ledger rows, outbox rows to add, outbox rows to
    /// delete; see <see cref="BuildSql"/>): a batch of at-least-once deposits needs none of the three,
    /// and PostgreSQL then neither plans nor runs their parts.
    /// </summary>
    private static readonly string[] Statements = [.. Enumerable.Range(0, 8).Select(parts => BuildSql((parts & 1) != 0, (parts & 2) != 0, (parts & 4) != 0))];

    /// <summary>
    /// One statement for the whole batch. Entity rows first: an update only where the etag still is
    /// what the writer read, an insert only where no row exists. Only the entities that got through
    /// ("committed") have their ledger and outbox rows written. Ledger rows are plain inserts: a key
    /// that exists already makes the database refuse the statement. Parameters are numbered in the
    /// order <see cref="WriteOnConnectionAsync"/> adds them: $1 the service, $2-$6 the entities,
    /// then the ledger's ten arrays, the added outbox rows' four and the deleted ones' two, as present.
    /// </summary>
    private static string BuildSql(bool ledger, bool emitted, bool delivered)
    {
        // $1 and the entities' $2-$6 are in every statement; the parts' arrays follow, numbered on.
        var next = 7;
        string[] Take(int count)
        {
            var names = Enumerable.Range(next, count).Select(n => $"${n}").ToArray();
            next += count;
            return names;
        }

        var sql = new System.Text.StringBuilder("""
            WITH input AS (
                SELECT * FROM unnest($2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::timestamptz[])
                    AS t(entity_key, expected, version, data, floor)
            ), updated AS (
                UPDATE once_entity AS e
                   SET etag = e.etag + 1, version = i.version, data = i.data
                  FROM input AS i
                 WHERE i.expected > 0 AND e.entity_key = i.entity_key AND e.service_id = $1 AND e.etag = i.expected
                RETURNING e.entity_key
            ), inserted AS (
                INSERT INTO once_entity (entity_key, service_id, etag, version, data, ledger_floor)
                SELECT i.entity_key, $1, 1, i.version, i.data, i.floor FROM input AS i WHERE i.expected = 0
                ON CONFLICT (entity_key, service_id) DO NOTHING
                RETURNING entity_key
            ), committed AS (
                SELECT entity_key FROM updated UNION ALL SELECT entity_key FROM inserted
            )
            """);
        if (ledger)
        {
            var l = Take(10);
            sql.Append($"""
                , ledger AS (
                    INSERT INTO once_ledger (entity_key, service_id, message_id, fingerprint, status, version, result, reason, expected_version, first_seen, produced_at)
                    SELECT l.entity_key, $1, l.message_id, l.fingerprint, l.status, l.version, l.result, l.reason, l.expected_version, l.first_seen, l.produced_at
                      FROM unnest({l[0]}::text[], {l[1]}::text[], {l[2]}::text[], {l[3]}::smallint[], {l[4]}::bigint[], {l[5]}::text[], {l[6]}::text[], {l[7]}::bigint[], {l[8]}::timestamptz[], {l[9]}::timestamptz[])
                           AS l(entity_key, message_id, fingerprint, status, version, result, reason, expected_version, first_seen, produced_at)
                     WHERE l.entity_key IN (SELECT entity_key FROM committed)
                )
                """);
        }

        if (emitted)
        {
            var o = Take(4);
            sql.Append($"""
                , emitted AS (
                    INSERT INTO once_outbox (entity_key, service_id, message_id, position, entry)
                    SELECT o.entity_key, $1, o.message_id, o.position, o.entry
                      FROM unnest({o[0]}::text[], {o[1]}::text[], {o[2]}::bigint[], {o[3]}::text[]) AS o(entity_key, message_id, position, entry)
                     WHERE o.entity_key IN (SELECT entity_key FROM committed)
                )
                """);
        }

        if (delivered)
        {
            var d = Take(2);
            sql.Append($"""
                , delivered AS (
                    DELETE FROM once_outbox AS o
                     USING unnest({d[0]}::text[], {d[1]}::text[]) AS d(entity_key, message_id)
                     WHERE o.entity_key = d.entity_key AND o.service_id = $1 AND o.message_id = d.message_id
                       AND d.entity_key IN (SELECT entity_key FROM committed)
                )
                """);
        }

        sql.Append("\nSELECT entity_key FROM committed");
        return sql.ToString();
    }

    /// <summary>How long a stopping silo waits for the queued writes to be committed.</summary>
    private static readonly TimeSpan FlushLimit = TimeSpan.FromSeconds(10);

    /// <summary>How long the loop keeps its connection without a write.</summary>
    private static readonly TimeSpan IdleLimit = TimeSpan.FromSeconds(60);

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _serviceId;
    private readonly PostgresStoreOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Channel<PendingWrite> _queue = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private readonly OnceMetrics? _metrics;

    /// <summary>
    /// The loop's own connection, kept between batches: a pooled connection is reset each time it
    /// goes back (six statements parsed and run before the next batch). Dropped after any failure,
    /// since it may be broken (the server restarted, the network failed): the pool discards a broken
    /// connection, and the next write opens another. Handed back to the pool after
    /// <see cref="IdleLimit"/> without a write, so that the pool's pruning of idle connections
    /// applies to it as to any other (a server's idle_session_timeout or a firewall may close a
    /// connection left idle long enough).
    /// </summary>
    private NpgsqlConnection? _connection;
    private long _lastWrite;
    private long _batches;
    private long _writes;
    private long _splits;
    private int _queued;

    public PostgresCommitter(
        NpgsqlDataSource dataSource, string serviceId, IOptions<PostgresStoreOptions> options, ILogger<PostgresCommitter> logger, TimeProvider? time = null, OnceMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _dataSource = dataSource;
        _serviceId = serviceId;
        _options = options.Value;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _metrics = metrics;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Group commits made, entity writes they carried, and batches the database refused and that were written entity by entity.</summary>
    public (long Batches, long Writes, long Splits) Counts => (Interlocked.Read(ref _batches), Interlocked.Read(ref _writes), Interlocked.Read(ref _splits));

    /// <summary>Writes waiting for the next batch.</summary>
    public int Queued => Volatile.Read(ref _queued);

    /// <summary>Commits in one of the next batches; true once committed, false when stale (nothing was written).</summary>
    public Task<bool> CommitAsync(PendingWrite write)
    {
        ArgumentNullException.ThrowIfNull(write);
        Interlocked.Increment(ref _queued);
        if (!_queue.Writer.TryWrite(write))
        {
            Interlocked.Decrement(ref _queued);
            throw new EntityStoreUnavailableException("The silo is stopping: the write was not made.");
        }

        return write.Done.Task;
    }

    /// <summary>
    /// Takes no more writes, and commits those already queued before it stops (a silo that shuts down
    /// answers its callers rather than leave them in doubt); after <see cref="FlushLimit"/> it gives
    /// up on what is left, which fails as "outcome unknown".
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        if (await Task.WhenAny(_loop, Task.Delay(FlushLimit, _time)) != _loop)
        {
            await _stopping.CancelAsync();
        }

        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        await DropConnectionAsync();
        while (_queue.Reader.TryRead(out var left))
        {
            left.Done.TrySetException(new EntityStoreUnavailableException("The silo stopped before the write was made."));
        }

        _stopping.Dispose();
    }

    private async Task RunAsync()
    {
        var batch = new List<PendingWrite>();
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync(_stopping.Token))
        {
            batch.Clear();
            var bytes = 0;
            while (batch.Count < _options.MaxBatchSize && bytes < _options.MaxBatchBytes && reader.TryRead(out var write))
            {
                Interlocked.Decrement(ref _queued);
                batch.Add(write);
                bytes += write.Size;
            }

            await CommitBatchAsync(batch);
        }
    }

    private async Task CommitBatchAsync(List<PendingWrite> batch)
    {
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _writes, batch.Count);
        try
        {
            var started = _time.GetTimestamp();
            var committed = await WriteAsync(batch);
            _metrics?.Committed(batch.Count, _time.GetElapsedTime(started));
            foreach (var write in batch)
            {
                write.Done.TrySetResult(committed.Contains(write.Entity));
            }
        }
        catch (PostgresException e) when (batch.Count > 1)
        {
            // The database refused the statement, so nothing of it was written: try each entity alone.
            LogBatchRefused(_logger, e, batch.Count, e.SqlState);
            Interlocked.Increment(ref _splits);
            foreach (var write in batch)
            {
                await CommitAloneAsync(write);
            }
        }
        catch (Exception e)
        {
            Fail(batch, e);
        }
    }

    private async Task CommitAloneAsync(PendingWrite write)
    {
        try
        {
            var committed = await WriteAsync([write]);
            write.Done.TrySetResult(committed.Contains(write.Entity));
        }
        catch (Exception e)
        {
            Fail([write], e);
        }
    }

    private void Fail(IReadOnlyList<PendingWrite> writes, Exception e)
    {
        // Npgsql's exceptions have no Orleans codec: callers get a serialisable "outcome unknown".
        foreach (var write in writes)
        {
            LogWriteFailed(_logger, e, write.Entity);
            write.Done.TrySetException(new EntityStoreUnavailableException(
                $"The write of {write.Entity} failed and may or may not have been committed: {e.GetBaseException().Message}"));
        }
    }

    private async Task<HashSet<string>> WriteAsync(IReadOnlyList<PendingWrite> batch)
    {
        if (_connection is not null && _time.GetElapsedTime(_lastWrite) > IdleLimit)
        {
            await DropConnectionAsync();
        }

        try
        {
            var committed = await WriteOnConnectionAsync(batch);
            _lastWrite = _time.GetTimestamp();
            return committed;
        }
        catch
        {
            await DropConnectionAsync();
            throw;
        }
    }

    private async Task<HashSet<string>> WriteOnConnectionAsync(IReadOnlyList<PendingWrite> batch)
    {
        _connection ??= await OpenAsync();
        var ledger = batch.SelectMany(w => w.Ledger.Select(e => (w.Entity, Entry: e))).ToArray();
        var emitted = batch.SelectMany(w => w.Emitted.Select(o => (w.Entity, Row: o))).ToArray();
        var delivered = batch.SelectMany(w => w.Delivered.Select(id => (w.Entity, Id: id))).ToArray();
        var parts = (ledger.Length > 0 ? 1 : 0) | (emitted.Length > 0 ? 2 : 0) | (delivered.Length > 0 ? 4 : 0);
        await using var command = new NpgsqlCommand(Statements[parts], _connection);
        var p = command.Parameters;
        p.Add(new NpgsqlParameter<string> { TypedValue = _serviceId });
        p.Add(Array(NpgsqlDbType.Text, batch.Select(w => w.Entity)));
        p.Add(Array(NpgsqlDbType.Bigint, batch.Select(w => w.ExpectedEtag)));
        p.Add(Array(NpgsqlDbType.Bigint, batch.Select(w => w.Version)));
        p.Add(Array(NpgsqlDbType.Text, batch.Select(w => w.Data)));
        p.Add(Array(NpgsqlDbType.TimestampTz, batch.Select(w => Utc(w.Floor))));
        if ((parts & 1) != 0)
        {
            p.Add(Array(NpgsqlDbType.Text, ledger.Select(l => l.Entity)));
            p.Add(Array(NpgsqlDbType.Text, ledger.Select(l => l.Entry.MessageId)));
            p.Add(Array(NpgsqlDbType.Text, ledger.Select(l => l.Entry.Fingerprint)));
            p.Add(Array(NpgsqlDbType.Smallint, ledger.Select(l => (short)l.Entry.Outcome.Status)));
            p.Add(Array(NpgsqlDbType.Bigint, ledger.Select(l => l.Entry.Outcome.Version)));
            p.Add(Array(NpgsqlDbType.Text, ledger.Select(l => l.Entry.Outcome.Result)));
            p.Add(Array(NpgsqlDbType.Text, ledger.Select(l => l.Entry.Outcome.Reason)));
            p.Add(Array(NpgsqlDbType.Bigint, ledger.Select(l => l.Entry.Outcome.ExpectedVersion)));
            p.Add(Array(NpgsqlDbType.TimestampTz, ledger.Select(l => Utc(l.Entry.FirstSeenAt))));
            p.Add(Array(NpgsqlDbType.TimestampTz, ledger.Select(l => Utc(CeilingToMicroseconds(l.Entry.ProducedAt)))));
        }

        if ((parts & 2) != 0)
        {
            p.Add(Array(NpgsqlDbType.Text, emitted.Select(o => o.Entity)));
            p.Add(Array(NpgsqlDbType.Text, emitted.Select(o => o.Row.MessageId)));
            p.Add(Array(NpgsqlDbType.Bigint, emitted.Select(o => o.Row.Position)));
            p.Add(Array(NpgsqlDbType.Text, emitted.Select(o => o.Row.Entry)));
        }

        if ((parts & 4) != 0)
        {
            p.Add(Array(NpgsqlDbType.Text, delivered.Select(d => d.Entity)));
            p.Add(Array(NpgsqlDbType.Text, delivered.Select(d => d.Id)));
        }

        await command.PrepareAsync(_stopping.Token);
        var committed = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(_stopping.Token);
        while (await reader.ReadAsync(_stopping.Token))
        {
            committed.Add(reader.GetString(0));
        }

        return committed;
    }

    /// <summary>
    /// The loop's connection. Its statements are planned once: with arrays for parameters PostgreSQL
    /// would otherwise plan each execution anew (a custom plan for every batch), since the plan it
    /// could keep cannot know how long the arrays are, and the plan is the same for every batch.
    /// </summary>
    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = await _dataSource.OpenConnectionAsync(_stopping.Token);
        try
        {
            await using var set = new NpgsqlCommand("SET plan_cache_mode = force_generic_plan", connection);
            await set.ExecuteNonQueryAsync(_stopping.Token);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private async Task DropConnectionAsync()
    {
        var connection = _connection;
        _connection = null;
        if (connection is not null)
        {
            await connection.DisposeAsync();
        }
    }

    private static NpgsqlParameter Array<T>(NpgsqlDbType type, IEnumerable<T> values) =>
        new() { NpgsqlDbType = NpgsqlDbType.Array | type, Value = values.ToArray() };

    private static DateTime? Utc(DateTimeOffset? time) => time?.UtcDateTime;

    /// <summary>
    /// PostgreSQL keeps microseconds. A producer time is rounded up, never down: the ledger floor is
    /// made of these times, and a redelivery carrying the exact original time must still be at or
    /// before it.
    /// </summary>
    private static DateTimeOffset? CeilingToMicroseconds(DateTimeOffset? time) =>
        time is { } t && t.Ticks % 10 != 0 ? t.AddTicks(10 - (t.Ticks % 10)) : time;

    [LoggerMessage(Level = LogLevel.Warning, Message = "A group commit of {Count} entity writes was refused ({SqlState}); writing them one by one")]
    private static partial void LogBatchRefused(ILogger logger, Exception exception, int count, string sqlState);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Entity}: the write failed; its outcome is unknown until the entity reloads")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string entity);
}
