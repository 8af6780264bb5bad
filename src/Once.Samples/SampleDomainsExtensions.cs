using Once.Core;
using Microsoft.Extensions.DependencyInjection;
using Once.Samples.Accounts;
using Once.Samples.Orders;

namespace Once.Samples;

/// <summary>Registers the sample domains, the way users register their own entity types.</summary>
public static class SampleDomainsExtensions
{
    public static IServiceCollection AddSampleDomains(this IServiceCollection services) =>
        services
            .AddOnceEntityType(new AccountsHandler())
            .AddOnceEntityType(new OrdersHandler());
}
