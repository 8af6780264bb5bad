using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Once.Core;
using Once.Hosting;
using Once.Http;
using Once.Samples;
using Once.Samples.Accounts;

namespace Once.Benchmarks;

/// <summary>
/// <c>--silo</c>: this executable as a silo process, set up exactly like <c>Once.Silo</c>
/// (<c>AddOnceSilo</c> from the <c>Once</c> configuration, the sample domains, health and metrics),
/// plus <see cref="AtLeastOnceAccounts"/>: the same account rules at least once, so both guarantees
/// run on one cluster and can be interleaved.
/// </summary>
internal static class SiloProcess
{
    public const string Option = "--silo";

    public const string AtLeastOnceAccounts = "accounts-alo";

    public static async Task<int> RunAsync(string[] args) => await OnceHost.RunAsync(async () =>
    {
        var builder = OnceHost.CreateBuilder(args);
        var options = builder.AddOnceSilo();
        builder.Services.AddSampleDomains().AddOnceHealth(options).AddOnceMetrics();
        builder.Services.AddOnceEntityType(new AccountsHandler(AtLeastOnceAccounts), DeliveryGuarantee.AtLeastOnce);
        var app = builder.Build();
        app.MapOnceHealth();
        app.MapOnceMetrics();
        await app.RunAsync();
    });
}
