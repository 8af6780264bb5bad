using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Once.Abstractions;

namespace Once.Hosting.Postgres;

/// <summary>
/// What waits in the database, read every <see cref="Interval"/> with one query and reported as
/// gauges (meter <c>Once</c>): ledger rows (the planner's estimate), undelivered outbox messages and
/// the age of the oldest, dead letters, stream messages not yet settled and the age of the oldest.
/// The figures are the cluster's, so every silo reports the same: aggregate them with <c>max</c>.
/// </summary>
internal sealed partial class PostgresBacklogMetrics : BackgroundService
{
    /// <summary>How often the figures are read: cheap enough for an idle cluster, fresh enough for alerts.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    private const string BacklogSql = """
        SELECT greatest((SELECT reltuples FROM pg_class WHERE oid = 'once_ledger'::regclass), 0)::bigint,
               (SELECT count(*) FROM once_outbox WHERE service_id = $1),
               (SELECT coalesce(extract(epoch FROM now() - min(written_at)), 0)::float8 FROM once_outbox WHERE service_id = $1),
               (SELECT count(*) FROM once_dead_letter WHERE service_id = $1),
               (SELECT count(*) FROM once_stream_message WHERE service_id = $1),
               (SELECT coalesce(extract(epoch FROM now() - min(created_on)), 0)::float8 FROM once_stream_message WHERE service_id = $1)
        """;

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _serviceId;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private Backlog _latest = new(0, 0, 0, 0, 0, 0);

    public PostgresBacklogMetrics(NpgsqlDataSource dataSource, string serviceId, IMeterFactory meters, TimeProvider time, ILogger<PostgresBacklogMetrics> logger)
    {
        ArgumentNullException.ThrowIfNull(meters);
        (_dataSource, _serviceId, _time, _logger) = (dataSource, serviceId, time, logger);
        var meter = Meter = meters.Create(OnceTelemetry.MeterName);
        meter.CreateObservableGauge("once.ledger.rows", () => Volatile.Read(ref _latest).LedgerRows, "{id}", "Message ids kept in the ledger table (the planner's estimate).");
        meter.CreateObservableGauge("once.outbox.pending", () => Volatile.Read(ref _latest).OutboxPending, "{message}", "Emitted messages and HTTP effects not delivered yet.");
        meter.CreateObservableGauge("once.outbox.oldest_age", () => Volatile.Read(ref _latest).OutboxOldestAge, "s", "How long the oldest undelivered outbox message has waited.");
        meter.CreateObservableGauge("once.dead_letters.pending", () => Volatile.Read(ref _latest).DeadLetters, "{message}", "Dead letters waiting for an operator.");
        meter.CreateObservableGauge("once.stream.pending", () => Volatile.Read(ref _latest).StreamPending, "{message}", "Stream messages queued and not yet settled by their entity.");
        meter.CreateObservableGauge("once.stream.oldest_age", () => Volatile.Read(ref _latest).StreamOldestAge, "s", "How long the oldest unsettled stream message has been queued: the stream's lag.");
    }

    /// <summary>The meter of these gauges (the silo's <c>Once</c> meter).</summary>
    public Meter Meter { get; }

    /// <summary>Reads the figures once.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(BacklogSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _serviceId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        Volatile.Write(ref _latest, new Backlog(reader.GetInt64(0), reader.GetInt64(1), reader.GetDouble(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetDouble(5)));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, _time);
        do
        {
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                // The database is away: the gauges keep their last figures until it answers again.
                // Not a warning: the silo's readiness and the store already say the database is away.
                LogRefreshFailed(_logger, e.GetBaseException().Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "The backlog figures could not be read ({Problem}); the gauges keep their last values")]
    private static partial void LogRefreshFailed(ILogger logger, string problem);

    private sealed record Backlog(long LedgerRows, long OutboxPending, double OutboxOldestAge, long DeadLetters, long StreamPending, double StreamOldestAge);
}
