using Once.Core;
using Microsoft.Extensions.DependencyInjection;
using Once.Samples.Accounts;

namespace Once.Http.Tests;

/// <summary>
/// Registers <see cref="OnceApi.MeteredAccounts"/> and <see cref="OnceApi.MeteredFaulty"/>: copies of
/// accounts and faulty counters that only the metrics tests use. The counters are labelled by entity
/// type, not entity, so a type of their own keeps other tests' outbox and stream traffic out of them.
/// </summary>
internal static class MeteredEntitiesExtensions
{
    public static IServiceCollection AddMeteredEntities(this IServiceCollection services) =>
        services
            .AddOnceEntityType(new AccountsHandler(OnceApi.MeteredAccounts))
            .AddOnceEntityType(new FaultyHandler(OnceApi.MeteredFaulty));
}
