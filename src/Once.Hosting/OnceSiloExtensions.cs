using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Once.Core;
using Once.Grains;

namespace Once.Hosting;

/// <summary>Turns a silo builder into a Once silo.</summary>
public static class OnceSiloExtensions
{
    /// <summary>
    /// Adds what every Once silo needs except storage: ledger options (section <c>Once:Ledger</c>,
    /// validated at start), the metrics, a clock. Entity types are registered separately with
    /// <see cref="EntityTypeServiceCollectionExtensions.AddOnceEntityType"/>.
    /// </summary>
    public static ISiloBuilder AddOnceEngine(this ISiloBuilder silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        var services = silo.Services;
        services.AddOptions<LedgerOptions>().BindConfiguration(LedgerOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LedgerOptions>, LedgerOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<OnceMetrics>();
        services.AddOptions<StreamConsumerOptions>().BindConfiguration(StreamConsumerOptions.SectionName);
        services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.SectionName);
        services.TryAddSingleton(sp => new WebhookSender(new HttpClient(), sp.GetRequiredService<IOptions<WebhookOptions>>()));
        services.TryAddSingleton<EntityCatalog>();
        // The default store keeps the entity in Orleans grain storage named "once"; hosts that use
        // the native PostgreSQL store register theirs before this.
        services.TryAddSingleton<IEntityStoreProvider, GrainStorageEntityStores>();
        services.AddEntityStreamMapping();
        silo.AddIncomingGrainCallFilter<CallErrorFilter>();

        // State is stored as System.Text.Json: readable in the database, no CLR type names inside.
        silo.UseSystemTextJsonGrainStorageSerializer();
        return silo;
    }

    /// <summary>Adds the engine with in-memory entity storage and memory streams: fast, and lost when the silo stops.</summary>
    public static ISiloBuilder AddOnceInMemory(this ISiloBuilder silo) =>
        silo.AddOnceEngine().AddMemoryGrainStorage(EntityGrainNames.StorageName).AddOnceMemoryStreams().UseInMemoryReminderService();
}
