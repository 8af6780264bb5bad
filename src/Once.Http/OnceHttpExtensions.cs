using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Once.Client;

namespace Once.Http;

/// <summary>Adds and maps the HTTP API with problem+json for every error.</summary>
public static class OnceHttpExtensions
{
    /// <summary>The request methods of HTTP, spelt as they must be: methods are case-sensitive.</summary>
    private static readonly HashSet<string> Methods = new(StringComparer.Ordinal)
    {
        "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
    };

    public static IServiceCollection AddOnceHttp(this IServiceCollection services)
    {
        // The API finds entity types through the cluster: it carries no handlers.
        services.TryAddSingleton<EntityTypeDirectory>();
        services.AddProblemDetails(o => o.CustomizeProblemDetails = DescribeFrameworkProblem);
        services.Configure<JsonOptions>(o => o.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull);
        services.AddOnceOpenApi();
        return services;
    }

    public static WebApplication UseOnceHttp(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        // Routing matches methods ignoring case, so "post" would be served as POST.
        app.Use((context, next) => Methods.Contains(context.Request.Method)
            ? next(context)
            : Problems.Make(StatusCodes.Status501NotImplemented, ProblemTypes.MethodNotImplemented, "The method is not implemented.",
                $"This server has no method '{context.Request.Method}'; methods are case-sensitive (GET, POST, ...).").ExecuteAsync(context));
        if (OnceAuthExtensions.IsSecured(app.Services))
        {
            app.UseAuthentication();
        }

        // After authentication, so that a caller's bucket is its key; before anything reads the body.
        if (OnceRateLimitExtensions.IsLimited(app.Services))
        {
            app.UseRateLimiter();
        }

        if (OnceAuthExtensions.IsSecured(app.Services))
        {
            app.UseAuthorization();
        }

        app.MapEntityEndpoints();
        app.MapStreamEndpoints();
        app.MapDeadLetterEndpoints();
        app.MapOnceOpenApi();
        return app;
    }

    /// <summary>
    /// Problems that the framework answers for us (no endpoint for the path, or not for this method; an
    /// unhandled failure) get one of our types and a detail; ours already have both.
    /// </summary>
    private static void DescribeFrameworkProblem(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        if (problem.Type?.StartsWith("urn:once:", StringComparison.Ordinal) == true)
        {
            return;
        }

        var request = context.HttpContext.Request;
        switch (problem.Status)
        {
            case StatusCodes.Status404NotFound:
                problem.Type = ProblemTypes.NotFound;
                problem.Detail ??= $"Nothing is at '{request.Path}'. The API serves /v1/entities/{{type}}/{{id}}, /v1/streams/{{type}}/{{id}} and /v1/dead-letters.";
                break;
            case StatusCodes.Status405MethodNotAllowed:
                problem.Type = ProblemTypes.MethodNotAllowed;
                problem.Detail ??= $"'{request.Path}' does not take {request.Method}; it takes {context.HttpContext.Response.Headers.Allow}.";
                break;
            case >= 500:
                problem.Type = ProblemTypes.InternalError;
                problem.Detail ??= "The server failed to answer this request; it has been logged.";
                break;
            default:
                problem.Type = ProblemTypes.InvalidRequest;
                problem.Detail ??= "The request is invalid.";
                break;
        }
    }
}
