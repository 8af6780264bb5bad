using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Once.Client;

namespace Once.Http.Tests;

/// <summary>
/// The HTTP API twice more in front of <see cref="OnceHttpFixture"/>'s silos, once with
/// <c>Once:Auth:Mode=ApiKey</c> and once with <c>Jwt</c> (an HS256 key; the tests mint their tokens),
/// each configured as an operator would. (Silos of their own would add a second <c>Once</c> meter
/// to this process, and OpenTelemetry drops a metric when one of its meters is disposed.)
/// </summary>
public sealed class AuthFixture(IClusterClient cluster) : IAsyncDisposable
{
    public const string Issuer = "https://issuer.once.test";
    public const string Audience = "once-api";
    private const string SigningKey = "a-signing-key-for-tests-only-0123456789";

    /// <summary>Keys by what they may do; <c>orders-only</c> may send and read orders only.</summary>
    public static readonly IReadOnlyDictionary<string, string> Keys = new Dictionary<string, string>
    {
        ["all"] = "key-all-0123456789abcdef",
        ["send"] = "key-send-0123456789abcdef",
        ["read"] = "key-read-0123456789abcdef",
        ["admin"] = "key-admin-0123456789abcdef",
        ["metrics"] = "key-metrics-0123456789abcdef",
        ["orders-only"] = "key-orders-0123456789abcdef",
    };

    private WebApplication? _apiKeys;
    private WebApplication? _jwt;

    public IClusterClient ClusterClient => cluster;

    /// <summary>The API that takes <c>X-Api-Key</c>.</summary>
    public HttpClient ApiKeyApi { get; private set; } = null!;

    /// <summary>The API that takes bearer tokens.</summary>
    public HttpClient JwtApi { get; private set; } = null!;

    public async Task StartAsync()
    {
        var keys = new Dictionary<string, string?> { ["Once:Auth:Mode"] = "ApiKey" };
        foreach (var (name, key) in Keys)
        {
            keys[$"Once:Auth:ApiKeys:{name}:Key"] = key;
            keys[$"Once:Auth:ApiKeys:{name}:Scopes"] = name is "all" ? "send,read,admin,metrics" : name is "orders-only" ? "send,read" : name;
        }

        keys["Once:Auth:ApiKeys:orders-only:EntityTypes"] = "orders";
        // One key given as its SHA-256 only, as a deployment that does not store keys would.
        keys["Once:Auth:ApiKeys:hashed:KeySha256"] = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData("key-hashed-0123456789abcdef"u8));
        keys["Once:Auth:ApiKeys:hashed:Scopes"] = "read";
        _apiKeys = await StartAsync(keys);
        ApiKeyApi = _apiKeys.GetTestClient();

        _jwt = await StartAsync(new Dictionary<string, string?>
        {
            ["Once:Auth:Mode"] = "Jwt",
            ["Once:Auth:Jwt:Issuer"] = Issuer,
            ["Once:Auth:Jwt:Audience"] = Audience,
            ["Once:Auth:Jwt:SigningKey"] = SigningKey,
        });
        JwtApi = _jwt.GetTestClient();
    }

    /// <summary>A token with these scopes (the <c>scope</c> claim, space-separated), or signed with another key, or for another audience.</summary>
    public static string Token(string scopes, string key = SigningKey, string audience = Audience, string claim = "scope") =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            Expires = DateTime.UtcNow.AddMinutes(5),
            Claims = new Dictionary<string, object> { [claim] = scopes, ["sub"] = "tests" },
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
        });

    public async ValueTask DisposeAsync()
    {
        ApiKeyApi?.Dispose();
        JwtApi?.Dispose();
        foreach (var app in new[] { _apiKeys, _jwt })
        {
            if (app is not null)
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }
    }

    private async Task<WebApplication> StartAsync(Dictionary<string, string?> settings)
    {
        var web = WebApplication.CreateBuilder();
        web.WebHost.UseTestServer();
        web.Logging.SetMinimumLevel(LogLevel.Warning);
        web.Configuration.AddInMemoryCollection(settings);
        web.Services.AddSingleton<IGrainFactory>(ClusterClient);
        web.Services.AddSingleton(ClusterClient);
        web.Services.AddSingleton<EntityStreamPublisher>();
        web.AddOnceAuth(defaultMode: null);
        web.Services.AddOnceHttp().AddOnceHealth(new OnceOptions()).AddOnceMetrics();
        var app = web.Build();
        app.UseOnceHttp();
        app.MapOnceHealth();
        app.MapOnceMetrics();
        await app.StartAsync();
        return app;
    }
}
