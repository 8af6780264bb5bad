using Microsoft.Extensions.DependencyInjection;
using Once.Core;
using Once.Samples.Accounts;

namespace Once.Http.Tests;

/// <summary>Registers <see cref="OnceApi.AtLeastOnceAccounts"/>: the accounts rules with no ledger.</summary>
internal static class AtLeastOnceAccountsExtensions
{
    public static IServiceCollection AddAtLeastOnceAccounts(this IServiceCollection services) =>
        services.AddOnceEntityType(new AccountsHandler(OnceApi.AtLeastOnceAccounts), DeliveryGuarantee.AtLeastOnce);
}
