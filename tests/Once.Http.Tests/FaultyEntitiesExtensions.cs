using Microsoft.Extensions.DependencyInjection;
using Once.Core;

namespace Once.Http.Tests;

/// <summary>
/// Registers <see cref="OnceApi.Faulty"/> (a <see cref="FaultyHandler"/> with a ledger) and
/// <see cref="OnceApi.AtLeastOnceFaulty"/> (the same without one: the negative control of the requeue checks).
/// </summary>
internal static class FaultyEntitiesExtensions
{
    public static IServiceCollection AddFaultyEntities(this IServiceCollection services) =>
        services
            .AddOnceEntityType(new FaultyHandler(OnceApi.Faulty))
            .AddOnceEntityType(new FaultyHandler(OnceApi.AtLeastOnceFaulty), DeliveryGuarantee.AtLeastOnce);
}
