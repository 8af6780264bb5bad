using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace Once.Http;

/// <summary>
/// The API description: <c>GET /openapi/v1.json</c> (OpenAPI 3.1) describes every endpoint of
/// <see cref="OnceHttpExtensions.UseOnceHttp"/> with its headers, bodies, status codes and problem
/// types, and the authentication scheme when one is on. It is open: it holds no data.
/// </summary>
public static class OnceOpenApiExtensions
{
    public const string DocumentPath = "/openapi/v1.json";

    public static IServiceCollection AddOnceOpenApi(this IServiceCollection services) =>
        services.AddOpenApi("v1", o => o.AddDocumentTransformer((document, context, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "Once",
                Version = "v1",
                Description = "Exactly-once processing: every message changes the entity it targets once, however often it is delivered. "
                    + "Errors are problem+json (RFC 9457) with one of these types: " + string.Join(", ", ProblemTypeNames()) + ".",
            };
            DescribeAuthentication(document, context.ApplicationServices);
            return Task.CompletedTask;
        }));

    public static IEndpointRouteBuilder MapOnceOpenApi(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi(DocumentPath.Replace("v1", "{documentName}", StringComparison.Ordinal));
        return app;
    }

    /// <summary>
    /// Documents a JSON request body of this endpoint. (Not <c>Accepts</c>: that would make routing
    /// refuse other media types itself, with the framework's problem instead of the API's own.)
    /// </summary>
    internal static TBuilder WithJsonBody<TBody, TBuilder>(this TBuilder endpoint)
        where TBuilder : IEndpointConventionBuilder =>
        endpoint.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new() { Schema = await context.GetOrCreateSchemaAsync(typeof(TBody), null, cancellationToken) },
                },
            });

    /// <summary>Documents a request header of this endpoint.</summary>
    internal static TBuilder WithRequestHeader<TBuilder>(this TBuilder endpoint, string name, bool required, string description)
        where TBuilder : IEndpointConventionBuilder =>
        endpoint.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = name,
                In = ParameterLocation.Header,
                Required = required,
                Description = description,
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            });
            return Task.CompletedTask;
        });

    /// <summary>Documents a response header of this endpoint on the given statuses.</summary>
    internal static TBuilder WithResponseHeader<TBuilder>(this TBuilder endpoint, string name, string description, params int[] statuses)
        where TBuilder : IEndpointConventionBuilder =>
        endpoint.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            foreach (var status in statuses)
            {
                if (operation.Responses?.TryGetValue(status.ToString(System.Globalization.CultureInfo.InvariantCulture), out var response) == true
                    && response is OpenApiResponse concrete)
                {
                    concrete.Headers ??= new Dictionary<string, IOpenApiHeader>();
                    concrete.Headers[name] = new OpenApiHeader { Description = description, Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
                }
            }

            return Task.CompletedTask;
        });

    /// <summary>The problem answers of an endpoint: problem+json on each status.</summary>
    internal static TBuilder WithProblems<TBuilder>(this TBuilder endpoint, params int[] statuses)
        where TBuilder : IEndpointConventionBuilder
    {
        foreach (var status in statuses)
        {
            endpoint.ProducesProblem(status);
        }

        return endpoint;
    }

    private static IEnumerable<string> ProblemTypeNames() =>
        typeof(ProblemTypes).GetFields().Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).Order(StringComparer.Ordinal);

    private static void DescribeAuthentication(OpenApiDocument document, IServiceProvider services)
    {
        var mode = services.GetService<OnceAuthOptions>()?.Mode;
        if (mode is not (AuthMode.ApiKey or AuthMode.Jwt))
        {
            return;
        }

        var (name, scheme) = mode == AuthMode.ApiKey
            ? ("apiKey", new OpenApiSecurityScheme { Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = OnceHeaders.ApiKey, Description = "An API key (Once:Auth:ApiKeys); its scopes decide what it may do." })
            : ("bearer", new OpenApiSecurityScheme { Type = SecuritySchemeType.Http, Scheme = "bearer", BearerFormat = "JWT", Description = "A JWT whose scope or scp claim grants send, read, admin or metrics." });
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[name] = scheme;
        document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(name, document)] = [] }];
    }
}
