using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Once.Abstractions;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Once.Http;

/// <summary>
/// <c>GET /metrics</c>: the <c>Once</c> meter (<see cref="OnceTelemetry.MeterName"/>) in Prometheus text format,
/// exported by OpenTelemetry, for every executable.
/// </summary>
public static class OnceMetricsExtensions
{
    public const string Path = "/metrics";

    public static IServiceCollection AddOnceMetrics(this IServiceCollection services)
    {
        // OpenTelemetry listens to meters by name across the process, so it also sees the meter of a
        // silo built in another service provider (the in-process test clusters).
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name ?? "Once"))
            .WithMetrics(metrics => metrics
                .AddMeter(OnceTelemetry.MeterName)
                // Beside Once's own: HTTP requests and connections, and the .NET runtime (GC, thread pool,
                // exceptions). Not Orleans' or Npgsql's meters: listening makes them measure every grain
                // call and every command, which cost the silos two thirds more CPU per message.
                .AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Runtime")
                // Every scrape collects afresh: scrapes are seconds apart, and a cached answer would hide
                // the messages of the last few hundred milliseconds from whoever reads it right after them.
                .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
        return services;
    }

    public static IEndpointRouteBuilder MapOnceMetrics(this IEndpointRouteBuilder app)
    {
        app.MapPrometheusScrapingEndpoint(Path).RequireScope(app, OnceScopes.Metrics);
        return app;
    }
}
