using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Once.Abstractions;

namespace Once.Http.Tests;

/// <summary>
/// Every endpoint, with no credentials, wrong ones, ones without the scope and ones with it, for API
/// keys and for JWTs: 401 problem+json with WWW-Authenticate, 403 problem+json naming the scope, or
/// the endpoint's own answer; a refused request changes nothing. The health checks stay open.
/// </summary>
[Collection(OnceHttpCollection.Name)]
public sealed class AuthTests(OnceHttpFixture http)
{
    private readonly AuthFixture fixture = http.Auth;

    public static TheoryData<string, string, string> Cases()
    {
        var cases = new TheoryData<string, string, string>();
        foreach (var mode in new[] { "ApiKey", "Jwt" })
        {
            foreach (var endpoint in Endpoints.Keys)
            {
                foreach (var credential in new[] { "none", "wrong", "wrong-scope", "right-scope" })
                {
                    cases.Add(mode, endpoint, credential);
                }
            }
        }

        return cases;
    }

    /// <summary>Each endpoint: the scope it needs, one it does not accept, and its answer when allowed.</summary>
    private static readonly Dictionary<string, (string Scope, string OtherScope, HttpStatusCode Allowed)> Endpoints = new()
    {
        ["send"] = (OnceScopes.Send, OnceScopes.Read, HttpStatusCode.OK),
        ["publish"] = (OnceScopes.Send, OnceScopes.Admin, HttpStatusCode.Accepted),
        ["get-entity"] = (OnceScopes.Read, OnceScopes.Send, HttpStatusCode.OK),
        ["get-outcome"] = (OnceScopes.Read, OnceScopes.Metrics, HttpStatusCode.OK),
        ["list-dead-letters"] = (OnceScopes.Admin, OnceScopes.Read, HttpStatusCode.OK),
        ["requeue"] = (OnceScopes.Admin, OnceScopes.Send, HttpStatusCode.NotFound),
        ["metrics"] = (OnceScopes.Metrics, OnceScopes.Read, HttpStatusCode.OK),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Endpoint_ByCredentials_RefusedOrAnswered(string mode, string endpoint, string credential)
    {
        var (scope, otherScope, allowed) = Endpoints[endpoint];
        var account = new EntityKey("accounts", OnceApi.NewId("auth"));
        await fixture.ClusterClient.SendAsync(new MessageEnvelope(new MessageId("seed"), account, "deposit", """{"amount":1}"""));
        using var request = Request(endpoint, account, "m-1");
        Authenticate(request, mode, credential switch
        {
            "wrong" => null,
            "wrong-scope" => otherScope,
            "right-scope" => scope,
            _ => string.Empty,
        }, credential == "none");

        using var response = await (mode == "ApiKey" ? fixture.ApiKeyApi : fixture.JwtApi).SendAsync(request);

        var expected = credential switch
        {
            "none" or "wrong" => HttpStatusCode.Unauthorized,
            "wrong-scope" => HttpStatusCode.Forbidden,
            _ => allowed,
        };
        Assert.Equal(expected, response.StatusCode);
        if (expected is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal(expected == HttpStatusCode.Unauthorized ? ProblemTypes.Unauthorized : ProblemTypes.Forbidden, problem.RootElement.GetProperty("type").GetString());
            if (expected == HttpStatusCode.Unauthorized)
            {
                Assert.StartsWith(mode == "ApiKey" ? "ApiKey" : "Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
            }
            else
            {
                Assert.Contains($"'{scope}'", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
            }

            // Nothing changed: the refused message was neither applied nor enqueued.
            Assert.Equal(1L, (await fixture.ClusterClient.GetEntityAsync(account))!.Version);
            Assert.Null(await fixture.ClusterClient.GetOutcomeAsync(account, new MessageId("m-1")));
        }
    }

    [Theory]
    [InlineData("ApiKey", "/health/live")]
    [InlineData("ApiKey", "/health/ready")]
    [InlineData("Jwt", "/health/live")]
    [InlineData("Jwt", "/health/ready")]
    public async Task Health_NoCredentials_Open(string mode, string path)
    {
        using var response = await (mode == "ApiKey" ? fixture.ApiKeyApi : fixture.JwtApi).GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task KeyRestrictedToOrders_NamesAccounts_403AndNothingChanged_NamesOrders_Answered()
    {
        var account = new EntityKey("accounts", OnceApi.NewId("restricted"));
        var order = new EntityKey("orders", OnceApi.NewId("restricted"));
        using var toAccounts = Request("send", account, "m-1");
        using var toOrders = new HttpRequestMessage(HttpMethod.Post, $"/v1/entities/{order}/messages")
        {
            Content = new StringContent("""{"type":"place","data":{"total":10}}""", Encoding.UTF8, "application/json"),
        };
        toOrders.Headers.Add("Idempotency-Key", "o-1");
        using var readAccount = new HttpRequestMessage(HttpMethod.Get, $"/v1/entities/{account}");
        foreach (var request in new[] { toAccounts, toOrders, readAccount })
        {
            request.Headers.Add("X-Api-Key", AuthFixture.Keys["orders-only"]);
        }

        using var refused = await fixture.ApiKeyApi.SendAsync(toAccounts);
        using var placed = await fixture.ApiKeyApi.SendAsync(toOrders);
        using var notRead = await fixture.ApiKeyApi.SendAsync(readAccount);

        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.OK, HttpStatusCode.Forbidden), (refused.StatusCode, placed.StatusCode, notRead.StatusCode));
        Assert.Null(await fixture.ClusterClient.GetEntityAsync(account));
    }

    [Fact]
    public async Task KeyGivenAsItsSha256_Authenticates()
    {
        var account = new EntityKey("accounts", OnceApi.NewId("hashed"));
        await fixture.ClusterClient.SendAsync(new MessageEnvelope(new MessageId("seed"), account, "deposit", """{"amount":1}"""));
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/entities/{account}");
        request.Headers.Add("X-Api-Key", "key-hashed-0123456789abcdef");

        using var response = await fixture.ApiKeyApi.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("scp")]
    [InlineData("scope")]
    public async Task Jwt_ScopesInEitherClaim_Granted(string claim)
    {
        var account = new EntityKey("accounts", OnceApi.NewId("scp"));
        await fixture.ClusterClient.SendAsync(new MessageEnvelope(new MessageId("seed"), account, "deposit", """{"amount":1}"""));
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/entities/{account}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AuthFixture.Token("send read", claim: claim));

        using var response = await fixture.JwtApi.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Jwt_ForAnotherAudience_401()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/dead-letters");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AuthFixture.Token("admin", audience: "someone-else"));

        using var response = await fixture.JwtApi.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private static HttpRequestMessage Request(string endpoint, EntityKey account, string messageId)
    {
        HttpRequestMessage Post(string path)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, path)
            {
                Content = new StringContent("""{"type":"deposit","data":{"amount":5}}""", Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("Idempotency-Key", messageId);
            return request;
        }

        return endpoint switch
        {
            "send" => Post($"/v1/entities/{account}/messages"),
            "publish" => Post($"/v1/streams/{account}"),
            "get-entity" => new HttpRequestMessage(HttpMethod.Get, $"/v1/entities/{account}"),
            "get-outcome" => new HttpRequestMessage(HttpMethod.Get, $"/v1/entities/{account}/messages/seed"),
            "list-dead-letters" => new HttpRequestMessage(HttpMethod.Get, "/v1/dead-letters"),
            "requeue" => new HttpRequestMessage(HttpMethod.Post, "/v1/dead-letters/no-such-letter/requeue"),
            "metrics" => new HttpRequestMessage(HttpMethod.Get, "/metrics"),
            _ => throw new ArgumentOutOfRangeException(nameof(endpoint), endpoint, null),
        };
    }

    /// <summary>Adds credentials with <paramref name="scope"/>: none at all, invalid ones (null), or valid ones with that scope.</summary>
    private static void Authenticate(HttpRequestMessage request, string mode, string? scope, bool none)
    {
        if (none)
        {
            return;
        }

        if (mode == "ApiKey")
        {
            request.Headers.Add("X-Api-Key", scope is null ? "not-a-key-of-this-api-0123" : AuthFixture.Keys[scope]);
        }
        else
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", scope is null
                ? AuthFixture.Token(OnceScopes.Send, key: "another-signing-key-not-this-apis-0123456789")
                : AuthFixture.Token(scope));
        }
    }
}
