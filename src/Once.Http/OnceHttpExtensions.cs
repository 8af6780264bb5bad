using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Once.Http;

/// <summary>Adds and maps the HTTP API with problem+json for every error.</summary>
public static class OnceHttpExtensions
{
    public static IServiceCollection AddOnceHttp(this IServiceCollection services)
    {
        services.AddProblemDetails();
        services.Configure<JsonOptions>(o => o.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull);
        return services;
    }

    public static WebApplication UseOnceHttp(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapEntityEndpoints();
        app.MapStreamEndpoints();
        app.MapDeadLetterEndpoints();
        return app;
    }
}
