using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Once.Abstractions;
using OpenTelemetry.Trace;

namespace Once.Http;

/// <summary>
/// Traces (OpenTelemetry): HTTP requests, the grain calls they make, Once's own spans (decide,
/// commit, outbox delivery), webhook calls and PostgreSQL commands, exported over OTLP to the
/// standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>. Without an endpoint (and without an exporter of the
/// caller's) nothing is traced, so nothing is spent on spans nobody reads.
/// </summary>
public static class OnceTracingExtensions
{
    /// <summary>The standard OpenTelemetry setting that names the collector.</summary>
    public const string EndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>The activity sources traced: Once's and Orleans' grain calls.</summary>
    public static readonly IReadOnlyList<string> Sources = [OnceTelemetry.ActivitySourceName, "Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"];

    public static IServiceCollection AddOnceTracing(this IServiceCollection services, IConfiguration configuration, Action<TracerProviderBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var exported = !string.IsNullOrWhiteSpace(configuration[EndpointSetting]);
        if (!exported && configure is null)
        {
            return services;
        }

        services.AddOpenTelemetry().WithTracing(tracing =>
        {
            tracing.AddSource([.. Sources])
                // Probes and scrapes every few seconds would bury the traces of messages.
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsHousekeeping(context.Request.Path))
                .AddHttpClientInstrumentation()
                .AddNpgsql();
            if (exported)
            {
                tracing.AddOtlpExporter();
            }

            configure?.Invoke(tracing);
        });
        return services;
    }

    private static bool IsHousekeeping(PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments(OnceMetricsExtensions.Path);
}
