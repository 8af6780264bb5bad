using Microsoft.Extensions.Logging;
using Once.Client;
using Orleans.Runtime;

namespace Once.Hosting;

/// <summary>
/// Holds a silo's start-up, before membership and storage touch PostgreSQL, until the database
/// answers; then applies the schema when <c>Once:ApplySchema</c> is set.
/// </summary>
internal sealed partial class DatabaseStartupGate(OnceSiloOptions options, OnceDatabase database, ILogger<DatabaseStartupGate> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(DatabaseStartupGate), ServiceLifecycleStage.First, OpenAsync);

    private async Task OpenAsync(CancellationToken cancellationToken)
    {
        await database.WaitUntilReachableAsync(cancellationToken);
        if (options.ApplySchema)
        {
            await Postgres.PostgresSchema.ApplyAsync(database.DataSource, cancellationToken);
            LogSchemaApplied(logger, database.Description, string.Join(", ", Postgres.PostgresSchema.MigrationNames));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied the Once schema to {Database}: {Migrations}")]
    private static partial void LogSchemaApplied(ILogger logger, string database, string migrations);
}
