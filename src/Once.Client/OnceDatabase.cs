using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Once.Client;

/// <summary>
/// The PostgreSQL database a process uses: one pooled data source, a cheap reachability probe for
/// health checks, and the start-up wait that reports an unreachable database in one clear line.
/// </summary>
public sealed partial class OnceDatabase : IAsyncDisposable
{
    private static readonly TimeSpan RetryPause = TimeSpan.FromSeconds(2);
    private readonly OnceOptions _options;
    private readonly ILogger<OnceDatabase> _logger;

    public OnceDatabase(OnceOptions options, ILogger<OnceDatabase> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _logger = logger;
        var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString);
        Description = $"{builder.Host}:{builder.Port}/{builder.Database}";
        DataSource = NpgsqlDataSource.Create(options.ConnectionString!);
    }

    public NpgsqlDataSource DataSource { get; }

    /// <summary>host:port/database, without credentials, for messages.</summary>
    public string Description { get; }

    /// <summary>Returns null when the database answers, otherwise why not (one line).</summary>
    public async Task<string?> ProbeAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var command = DataSource.CreateCommand("select 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return null;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            return e.GetBaseException().Message;
        }
    }

    /// <summary>Waits until the database answers, logging each failure; throws <see cref="DatabaseUnavailableException"/> after the configured timeout.</summary>
    public async Task WaitUntilReachableAsync(CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var problem = await ProbeAsync(cancellationToken);
            if (problem is null)
            {
                LogReachable(_logger, Description);
                return;
            }

            if (waited.Elapsed >= _options.DatabaseWaitTimeout)
            {
                throw new DatabaseUnavailableException(
                    $"PostgreSQL at {Description} is unreachable after {waited.Elapsed.TotalSeconds:0} s (Once:DatabaseWaitTimeout): {problem}");
            }

            LogUnreachable(_logger, Description, problem, RetryPause.TotalSeconds);
            await Task.Delay(RetryPause, cancellationToken);
        }
    }

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();

    [LoggerMessage(Level = LogLevel.Information, Message = "PostgreSQL at {Database} is reachable")]
    private static partial void LogReachable(ILogger logger, string database);

    [LoggerMessage(Level = LogLevel.Warning, Message = "PostgreSQL at {Database} is unreachable: {Problem}. Retrying in {Seconds} s; not ready until then.")]
    private static partial void LogUnreachable(ILogger logger, string database, string problem, double seconds);
}
