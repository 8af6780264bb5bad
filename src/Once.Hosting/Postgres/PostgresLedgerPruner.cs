using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Once.Core;

namespace Once.Hosting.Postgres;

/// <summary>
/// Deletes ledger rows older than <see cref="LedgerOptions.Retention"/>, in batches, off the message
/// path. Each delete raises the floor of the entities it touched, in the same statement, to the
/// latest time a deleted id can claim (first seen or produced, but at most
/// <see cref="LedgerOptions.MaxFutureSkew"/> after first seen), so a late duplicate that carries its
/// producer time is refused as expired instead of applied again. Every silo runs one; rows another
/// silo is deleting are skipped, not waited for.
/// </summary>
internal sealed partial class PostgresLedgerPruner(
    NpgsqlDataSource dataSource,
    string serviceId,
    IOptions<LedgerOptions> ledger,
    IOptions<PostgresStoreOptions> options,
    TimeProvider time,
    ILogger<PostgresLedgerPruner> logger) : BackgroundService
{
    private const string PruneSql = """
        WITH doomed AS (
            SELECT entity_key, message_id, least(greatest(first_seen, produced_at), first_seen + $4) AS claim
              FROM once_ledger
             WHERE service_id = $1 AND first_seen < $2
             LIMIT $3
               FOR UPDATE SKIP LOCKED
        ), deleted AS (
            DELETE FROM once_ledger AS l
             USING doomed AS d
             WHERE l.entity_key = d.entity_key AND l.service_id = $1 AND l.message_id = d.message_id
            RETURNING d.entity_key, d.claim
        ), floors AS (
            SELECT entity_key, max(claim) AS claim FROM deleted GROUP BY entity_key
        ), raised AS (
            UPDATE once_entity AS e
               SET ledger_floor = greatest(e.ledger_floor, f.claim)
              FROM floors AS f
             WHERE e.entity_key = f.entity_key AND e.service_id = $1
            RETURNING 1
        )
        SELECT count(*) FROM deleted
        """;

    /// <summary>Deletes every expired row (batch after batch); returns how many.</summary>
    public async Task<long> PruneAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow() - ledger.Value.Retention;
        long total = 0;
        while (true)
        {
            await using var command = dataSource.CreateCommand(PruneSql);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = serviceId });
            command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = cutoff.UtcDateTime });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = options.Value.PruneBatchSize });
            command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = ledger.Value.MaxFutureSkew });
            var deleted = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
            total += deleted;
            if (deleted < options.Value.PruneBatchSize)
            {
                return total;
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PruneInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var deleted = await PruneAsync(stoppingToken);
                if (deleted > 0)
                {
                    LogPruned(logger, deleted);
                }
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                LogPruneFailed(logger, e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} ledger rows past the retention window")]
    private static partial void LogPruned(ILogger logger, long count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting expired ledger rows failed; trying again at the next interval")]
    private static partial void LogPruneFailed(ILogger logger, Exception exception);
}
