using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Once.Client;

namespace Once.Http;

/// <summary>
/// <c>GET /health/live</c> (the process answers) and <c>GET /health/ready</c> (started, and PostgreSQL
/// reachable when it is used) for every executable.
/// </summary>
public static class OnceHealthExtensions
{
    public const string ReadyTag = "ready";

    public static IServiceCollection AddOnceHealth(this IServiceCollection services, OnceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var checks = services.AddHealthChecks().AddCheck<StartedHealthCheck>("started", tags: [ReadyTag]);
        if (options.UsesPostgres)
        {
            checks.AddCheck<PostgresHealthCheck>("postgres", tags: [ReadyTag]);
        }

        return services;
    }

    public static IEndpointRouteBuilder MapOnceHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag) });
        return app;
    }

    /// <summary>Ready once the host, and so the silo or cluster client it runs, has started.</summary>
    private sealed class StartedHealthCheck(IHostApplicationLifetime lifetime) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(lifetime.ApplicationStarted.IsCancellationRequested
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy("Starting."));
    }

    private sealed class PostgresHealthCheck(OnceDatabase database) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            string? problem;
            try
            {
                problem = await database.ProbeAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                problem = "no answer within 3 s";
            }

            return problem is null
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy($"PostgreSQL at {database.Description} is unreachable: {problem}");
        }
    }
}
