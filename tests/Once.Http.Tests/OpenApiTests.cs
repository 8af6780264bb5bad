using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Once.Http.Tests;

/// <summary>
/// <c>GET /openapi/v1.json</c> describes every endpoint the API maps, with its headers, bodies, status
/// codes and the API-key scheme, and docs/openapi.v1.json is that document: when an endpoint changes
/// and the copy does not, this fails. Regenerate the copy with
/// <c>ONCE_UPDATE_OPENAPI=1 dotnet test tests/Once.Http.Tests --filter OpenApiTests</c>.
/// </summary>
[Collection(OnceHttpCollection.Name)]
public sealed class OpenApiTests(OnceHttpFixture fixture) : IAsyncLifetime
{
    private WebApplication? _app;
    private JsonNode _document = null!;

    public async Task InitializeAsync()
    {
        // As deployed: Once.Api with API keys.
        _app = await fixture.StartAppAsync(web =>
        {
            web.WebHost.UseTestServer();
            web.Configuration.AddInMemoryCollection([
                new("Once:Auth:Mode", "ApiKey"),
                new("Once:Auth:ApiKeys:docs:Key", "openapi-key-0123456789"),
                new("Once:Auth:ApiKeys:docs:Scopes", "read"),
            ]);
            web.AddOnceAuth(defaultMode: null);
        });
        using var http = _app.GetTestClient();
        using var response = await http.GetAsync(new Uri(OnceOpenApiExtensions.DocumentPath, UriKind.Relative));
        Assert.Equal(200, (int)response.StatusCode);
        _document = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    [Fact]
    public void Document_DescribesExactlyTheMappedEndpoints()
    {
        var mapped = _app!.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/v1/", StringComparison.Ordinal) == true)
            .SelectMany(e => e.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods.Select(m => $"{m} {Normalize(e.RoutePattern.RawText!)}"))
            .Order(StringComparer.Ordinal);
        var described = _document["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject().Select(operation => $"{operation.Key.ToUpperInvariant()} {Normalize(path.Key)}"))
            .Order(StringComparer.Ordinal);

        Assert.Equal(mapped, described);
        Assert.Equal(6, described.Count());
    }

    [Fact]
    public void SendMessage_HeadersBodyStatusesAndProblems_Described()
    {
        var send = _document["paths"]!["/v1/entities/{type}/{id}/messages"]!["post"]!;
        var parameters = send["parameters"]!.AsArray().Select(p => (Name: (string)p!["name"]!, In: (string)p["in"]!, Required: (bool?)p["required"] ?? false)).ToList();

        Assert.Contains(("Idempotency-Key", "header", true), parameters);
        Assert.Contains(("If-Match", "header", false), parameters);
        Assert.NotNull(send["requestBody"]!["content"]!["application/json"]);
        var responses = send["responses"]!.AsObject();
        Assert.Equal(
            ["200", "202", "400", "401", "403", "404", "412", "413", "415", "422", "429", "500", "503"],
            responses.Select(r => r.Key).Order(StringComparer.Ordinal));
        Assert.NotNull(responses["200"]!["headers"]!["ETag"]);
        Assert.NotNull(responses["200"]!["headers"]!["Idempotent-Replayed"]);
        Assert.NotNull(responses["422"]!["content"]!["application/problem+json"]);
        Assert.Contains("urn:once:problem:idempotency-key-reused", (string)_document["info"]!["description"]!, StringComparison.Ordinal);
    }

    [Fact]
    public void ApiKeyMode_SchemeNamesTheHeader_AndEveryOperationNeedsIt()
    {
        var scheme = _document["components"]!["securitySchemes"]!["apiKey"]!;

        Assert.Equal(("apiKey", "header", "X-Api-Key"), ((string)scheme["type"]!, (string)scheme["in"]!, (string)scheme["name"]!));
        Assert.NotNull(_document["security"]![0]!["apiKey"]);
    }

    [Fact]
    public async Task CommittedCopy_IsTheServedDocument()
    {
        var path = Path.Combine(RepositoryRoot(), "docs", "openapi.v1.json");
        var served = _document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
        if (Environment.GetEnvironmentVariable("ONCE_UPDATE_OPENAPI") == "1")
        {
            await File.WriteAllTextAsync(path, served);
        }

        Assert.True(File.Exists(path), $"{path} is missing: run ONCE_UPDATE_OPENAPI=1 dotnet test tests/Once.Http.Tests --filter OpenApiTests");
        Assert.True(
            await File.ReadAllTextAsync(path) == served,
            "docs/openapi.v1.json is stale: run ONCE_UPDATE_OPENAPI=1 dotnet test tests/Once.Http.Tests --filter OpenApiTests and commit it.");
    }

    /// <summary>A route as OpenAPI spells it: no catch-all stars, no trailing slash.</summary>
    private static string Normalize(string route) => route.Replace("{**", "{", StringComparison.Ordinal).TrimEnd('/');

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Cluster.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("Cluster.sln not found above the test's folder.");
    }
}
