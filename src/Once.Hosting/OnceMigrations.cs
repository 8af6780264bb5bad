using Microsoft.Extensions.Configuration;
using Npgsql;
using Once.Client;

namespace Once.Hosting;

/// <summary>The <c>migrate</c> command: applies the schema to the configured PostgreSQL database.</summary>
public static class OnceMigrations
{
    public static async Task MigrateAsync(IConfiguration configuration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = OnceOptions.Load(configuration);
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            throw new OnceConfigurationException([$"migrate needs a connection string: set ConnectionStrings:Once or the environment variable {OnceOptions.ConnectionStringVariable}."]);
        }

        await using var dataSource = NpgsqlDataSource.Create(options.ConnectionString);
        var target = new NpgsqlConnectionStringBuilder(options.ConnectionString);
        try
        {
            await Postgres.PostgresSchema.ApplyAsync(dataSource, cancellationToken);
        }
        catch (NpgsqlException e) when (e is not PostgresException)
        {
            throw new DatabaseUnavailableException($"PostgreSQL at {target.Host}:{target.Port}/{target.Database} is unreachable: {e.GetBaseException().Message}", e);
        }

        await Console.Out.WriteLineAsync($"Schema applied to {target.Host}:{target.Port}/{target.Database}: {string.Join(", ", Postgres.PostgresSchema.MigrationNames)}");
    }
}
