using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Once.Client;
using Once.Core;
using Once.Grains;

namespace Once.Hosting;

/// <summary>Turns a silo builder into a Once silo.</summary>
public static class OnceSiloExtensions
{
    /// <summary>
    /// Adds what every Once silo needs except storage: the ledger, stream-consumer and webhook options
    /// (sections <c>Once:Ledger</c>, <c>Once:Streams</c>, <c>Once:Webhooks</c>, each validated at start),
    /// the metrics, a clock. Entity types are registered separately with
    /// <see cref="EntityTypeServiceCollectionExtensions.AddOnceEntityType"/>.
    /// </summary>
    public static ISiloBuilder AddOnceEngine(this ISiloBuilder silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        var services = silo.Services;
        // Each feature's settings, validated when the silo starts however it was built.
        AddValidated<LedgerOptions>(services, LedgerOptions.SectionName, o => o.Validate());
        AddValidated<StreamConsumerOptions>(services, StreamConsumerOptions.SectionName, o => o.Validate());
        AddValidated<WebhookOptions>(services, WebhookOptions.SectionName, o => o.Validate());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<OnceMetrics>();
        services.TryAddSingleton<WebhookSender>();
        services.TryAddSingleton<EntityCatalog>();
        // The default store keeps the entity in Orleans grain storage named "once"; hosts that use
        // the native PostgreSQL store register theirs before this.
        services.TryAddSingleton<IEntityStoreProvider, GrainStorageEntityStores>();
        services.AddEntityStreamMapping();
        silo.AddIncomingGrainCallFilter<CallErrorFilter>();
        // A grain call carries its caller's trace (a no-op while nobody traces).
        silo.AddActivityPropagation();

        // State is stored as System.Text.Json: readable in the database, no CLR type names inside.
        silo.UseSystemTextJsonGrainStorageSerializer();
        return silo;
    }

    private static void AddValidated<TOptions>(IServiceCollection services, string section, Func<TOptions, IEnumerable<string>> validate)
        where TOptions : class
    {
        services.AddOptions<TOptions>().BindConfiguration(section).ValidateOnStart();
        // Once per options type, however often the engine is added.
        if (!services.Any(d => d.ServiceType == typeof(IValidateOptions<TOptions>) && d.ImplementationInstance is SettingsValidator<TOptions>))
        {
            services.AddSingleton<IValidateOptions<TOptions>>(new SettingsValidator<TOptions>(validate));
        }
    }

    /// <summary>
    /// A Once silo with the default settings (<see cref="OnceHostingExtensions.AddOnce"/>): in-memory
    /// entity storage, memory streams and reminders; fast, and lost when the silo stops.
    /// </summary>
    public static ISiloBuilder AddOnceInMemory(this ISiloBuilder silo) => silo.AddOnce(new OnceOptions(), new OnceSiloOptions());
}
