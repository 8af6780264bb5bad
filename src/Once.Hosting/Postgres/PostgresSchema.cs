using System.Reflection;
using Npgsql;

namespace Once.Hosting.Postgres;

/// <summary>
/// The Once PostgreSQL schema: the migration files of <c>deploy/sql</c>, embedded in this assembly,
/// so a silo (or the <c>migrate</c> command) can bring a database up to date without files on disk.
/// </summary>
public static class PostgresSchema
{
    /// <summary>
    /// The advisory lock every schema runner takes, <c>deploy/sql/apply.sh</c> included: the bytes
    /// of "once.sql" read as a big-endian int64.
    /// </summary>
    internal const long AdvisoryLockKey = 0x6F6E63652E73716C;

    private const string ResourcePrefix = "Once.Sql.";

    private static readonly Assembly ResourceAssembly = typeof(PostgresSchema).Assembly;

    /// <summary>The migration file names (such as <c>001_query_table.sql</c>) in the order they are applied.</summary>
    public static IReadOnlyList<string> MigrationNames { get; } = ResourceAssembly
        .GetManifestResourceNames()
        .Where(name => name.StartsWith(ResourcePrefix, StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
        .Select(name => name[ResourcePrefix.Length..])
        .Order(StringComparer.Ordinal)
        .ToArray();

    /// <summary>
    /// Applies every migration in order, each in its own transaction. Every file is idempotent, so this
    /// is safe at every silo start, and several silos may run it at once: each transaction first
    /// takes a transaction-scoped advisory lock, because concurrent <c>CREATE ... IF NOT EXISTS</c>
    /// statements can fail on each other instead of one of them skipping.
    /// </summary>
    public static async Task ApplyAsync(NpgsqlDataSource dataSource, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        if (MigrationNames.Count == 0)
        {
            throw new InvalidOperationException($"No embedded '{ResourcePrefix}*.sql' resources: Once.Hosting was built without deploy/sql.");
        }

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        foreach (var name in MigrationNames)
        {
            var sql = await ReadAsync(name, ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", connection, transaction))
            {
                lockCommand.Parameters.AddWithValue("key", AdvisoryLockKey);
                await lockCommand.ExecuteNonQueryAsync(ct);
            }

            await using (var command = new NpgsqlCommand(sql, connection, transaction))
            {
                try
                {
                    await command.ExecuteNonQueryAsync(ct);
                }
                catch (PostgresException e)
                {
                    throw new InvalidOperationException($"The Once schema migration {name} failed: {e.MessageText}", e);
                }
            }

            await transaction.CommitAsync(ct);
        }
    }

    private static async Task<string> ReadAsync(string name, CancellationToken ct)
    {
        await using var stream = ResourceAssembly.GetManifestResourceStream(ResourcePrefix + name)
            ?? throw new InvalidOperationException($"The embedded migration {name} is missing.");
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync(ct);
    }
}
