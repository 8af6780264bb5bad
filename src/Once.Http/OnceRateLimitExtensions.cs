using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Once.Client;

namespace Once.Http;

/// <summary>
/// Rate limits of the HTTP API (<see cref="RateLimitOptions"/>): a request over its caller's limit
/// gets <c>429</c> problem+json with <c>Retry-After</c> and is not read. The health checks are never
/// limited (probes must always get through).
/// </summary>
public static class OnceRateLimitExtensions
{
    /// <summary>Reads <c>Once:RateLimit</c> and limits requests unless it is off; throws <see cref="OnceConfigurationException"/> on bad settings.</summary>
    public static RateLimitOptions AddOnceRateLimits(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var limits = new RateLimitOptions();
        try
        {
            OnceOptions.BindStrictly(builder.Configuration.GetSection(RateLimitOptions.SectionName), limits);
        }
        catch (InvalidOperationException e)
        {
            throw new OnceConfigurationException([OnceOptions.Explain(e.Message)]);
        }

        if (limits.Validate() is { Count: > 0 } problems)
        {
            throw new OnceConfigurationException(problems);
        }

        builder.Services.AddSingleton(limits);
        if (limits.Enabled)
        {
            builder.Services.AddRateLimiter(o =>
            {
                o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => Partition(context, limits));
                o.OnRejected = RejectAsync;
            });
        }

        return limits;
    }

    /// <summary>Whether requests are limited (<see cref="AddOnceRateLimits"/> was called and left it on).</summary>
    internal static bool IsLimited(IServiceProvider services) => services.GetService<RateLimitOptions>() is { Enabled: true };

    /// <summary>The caller's bucket: its key or token subject once authenticated, else its address.</summary>
    private static RateLimitPartition<string> Partition(HttpContext context, RateLimitOptions limits)
    {
        if (context.Request.Path.StartsWithSegments("/health"))
        {
            return RateLimitPartition.GetNoLimiter("health");
        }

        var user = context.User;
        var caller = user.Identity?.IsAuthenticated == true
            ? "caller:" + (user.FindFirstValue("sub") ?? user.Identity.Name ?? "")
            : "address:" + context.Connection.RemoteIpAddress;
        return RateLimitPartition.GetTokenBucketLimiter(caller, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = limits.Burst,
            TokensPerPeriod = limits.Permits,
            ReplenishmentPeriod = limits.Period,
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    private static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
            ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
            : 1;
        var context = rejected.HttpContext;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await Problems.Make(
            StatusCodes.Status429TooManyRequests,
            ProblemTypes.RateLimited,
            "Too many requests.",
            $"This caller is over its rate limit ({RateLimitOptions.SectionName}); nothing was read or changed. Send again after {seconds} s.").ExecuteAsync(context);
    }
}
