using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Once.Core;
using Once.Grains;
using Orleans.Configuration;

namespace Once.Hosting.Postgres;

/// <summary>Registers the native PostgreSQL entity store on a silo.</summary>
public static class PostgresStoreExtensions
{
    /// <summary>
    /// Keeps entities in Once's own tables (<c>deploy/sql/006_entity_store.sql</c>) with one group
    /// committer per silo, and deletes ledger rows past the retention window in the background; dead
    /// letters go to a table of their own (<c>007_dead_letters.sql</c>).
    /// Options: section <c>Once:Store</c>, validated at start. Call before <see cref="OnceSiloExtensions.AddOnceEngine"/>.
    /// </summary>
    public static ISiloBuilder AddOncePostgresStore(this ISiloBuilder silo, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var services = silo.Services;
        services.AddOptions<PostgresStoreOptions>().BindConfiguration(PostgresStoreOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PostgresStoreOptions>>(new SettingsValidator<PostgresStoreOptions>(o => o.Validate()));
        services.AddSingleton(new EntityStoreDatabase(NpgsqlDataSource.Create(connectionString)));
        services.AddSingleton(sp => new PostgresCommitter(
            sp.GetRequiredService<EntityStoreDatabase>().DataSource,
            ServiceId(sp),
            sp.GetRequiredService<IOptions<PostgresStoreOptions>>(),
            sp.GetRequiredService<ILogger<PostgresCommitter>>(),
            sp.GetService<TimeProvider>(),
            sp.GetService<OnceMetrics>()));
        services.AddSingleton(sp => new PostgresEntityStores(
            sp.GetRequiredService<EntityStoreDatabase>().DataSource,
            ServiceId(sp),
            sp.GetRequiredService<PostgresCommitter>(),
            sp.GetRequiredService<IOptions<LedgerOptions>>(),
            sp.GetService<TimeProvider>()));
        services.AddSingleton<IEntityStoreProvider>(sp => sp.GetRequiredService<PostgresEntityStores>());
        services.AddSingleton<IDeadLetterTable>(sp => new PostgresDeadLetters(sp.GetRequiredService<EntityStoreDatabase>().DataSource, ServiceId(sp)));
        services.AddSingleton(sp => new PostgresLedgerPruner(
            sp.GetRequiredService<EntityStoreDatabase>().DataSource,
            ServiceId(sp),
            sp.GetRequiredService<IOptions<LedgerOptions>>(),
            sp.GetRequiredService<IOptions<PostgresStoreOptions>>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetRequiredService<ILogger<PostgresLedgerPruner>>()));
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<PostgresLedgerPruner>());
        services.AddSingleton(sp => new PostgresBacklogMetrics(
            sp.GetRequiredService<EntityStoreDatabase>().DataSource,
            ServiceId(sp),
            sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetRequiredService<ILogger<PostgresBacklogMetrics>>()));
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<PostgresBacklogMetrics>());
        return silo;
    }

    private static string ServiceId(IServiceProvider services) => services.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId;
}

/// <summary>The store's own connection pool, disposed with the silo.</summary>
internal sealed class EntityStoreDatabase(NpgsqlDataSource dataSource) : IAsyncDisposable
{
    public NpgsqlDataSource DataSource { get; } = dataSource;

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
