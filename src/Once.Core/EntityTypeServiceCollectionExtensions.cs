using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Once.Core;

/// <summary>Registers entity types; silos and HTTP front ends share the resulting <see cref="EntityCatalog"/>.</summary>
public static class EntityTypeServiceCollectionExtensions
{
    public static IServiceCollection AddOnceEntityType(
        this IServiceCollection services,
        IEntityHandler handler,
        DeliveryGuarantee guarantee = DeliveryGuarantee.ExactlyOnce)
    {
        ArgumentNullException.ThrowIfNull(handler);
        services.AddSingleton(new EntityRegistration(handler, guarantee));
        services.TryAddSingleton<EntityCatalog>();
        return services;
    }
}
