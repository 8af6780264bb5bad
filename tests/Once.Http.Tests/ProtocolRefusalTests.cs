using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using static Once.Http.Tests.OnceApi;

namespace Once.Http.Tests;

/// <summary>
/// Every error is problem+json, also where no endpoint of ours answers (unknown route, wrong
/// method) or the request's protocol is wrong (content type, encoding, method spelling); and such a
/// request changes nothing.
/// </summary>
[Collection(OnceHttpCollection.Name)]
public sealed class ProtocolRefusalTests(OnceHttpFixture fixture)
{
    private readonly HttpClient _client = fixture.Client;

    [Theory]
    [InlineData("GET", "/nothing-here", 404)]
    [InlineData("GET", "/v1/entities/accounts", 404)]
    [InlineData("DELETE", "/v1/entities/accounts/a-1", 405)]
    [InlineData("PUT", "/v1/entities/accounts/a-1/messages", 405)]
    [InlineData("GET", "/v1/streams/accounts/a-1", 405)]
    [InlineData("GET", "/v1/dead-letters?limit=abc", 400)]
    [InlineData("GET", "/v1/dead-letters?offset=1.5", 400)]
    [InlineData("GET", "/v1/dead-letters?limit=0", 400)]
    public async Task Request_NoEndpointOrBadQuery_ProblemJson(string method, string path, int status)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);

        var answer = await _client.SendRawAsync(request);

        var problem = Expect.Problem(answer, status);
        Assert.StartsWith("urn:once:problem:", problem.GetProperty("type").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task Request_WrongMethod_405NamesTheAllowedOnes()
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, "/v1/entities/accounts/a-1");

        using var response = await _client.SendAsync(request);

        Assert.Equal(405, (int)response.StatusCode);
        Assert.Contains("GET", response.Content.Headers.Allow.Concat(response.Headers.Select(h => h.Key == "Allow" ? string.Join(",", h.Value) : "")));
    }

    [Fact]
    public async Task DeadLetters_BadLimit_DetailNamesTheParameterNotADotNetType()
    {
        var answer = await _client.GetPathAsync("/v1/dead-letters?limit=abc");

        var detail = Expect.Problem(answer, 400).GetProperty("detail").GetString()!;
        Assert.Contains("limit", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("Int32", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("int ", detail, StringComparison.Ordinal);
    }

    public static TheoryData<string, string?, string?> WrongBodies => new()
    {
        { "text-plain", "text/plain", null },
        { "form", "application/x-www-form-urlencoded", null },
        { "no-content-type", null, null },
        { "json-latin1", "application/json; charset=iso-8859-1", null },
        { "gzip", "application/json", "gzip" },
        { "br", "application/json", "br" },
    };

    [Theory]
    [MemberData(nameof(WrongBodies))]
    public async Task Post_NotJsonInUtf8_415NothingApplied(string name, string? contentType, string? encoding)
    {
        foreach (var path in new[] { "/v1/entities/accounts/{0}/messages", "/v1/streams/accounts/{0}" })
        {
            var id = NewId("acc-" + name);
            var key = NewId("key");
            var content = new ByteArrayContent(Encoding.UTF8.GetBytes(Deposit(5)));
            if (contentType is not null)
            {
                content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            }

            if (encoding is not null)
            {
                content.Headers.ContentEncoding.Add(encoding);
            }

            using var request = new HttpRequestMessage(HttpMethod.Post, string.Format(System.Globalization.CultureInfo.InvariantCulture, path, id)) { Content = content };
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
            var answer = await _client.SendRawAsync(request);

            Assert.Equal("urn:once:problem:unsupported-media-type", Expect.Problem(answer, 415).GetProperty("type").GetString());
            Assert.Equal(404, (await _client.GetOutcomeAsync(Accounts, id, key)).Status);
            Assert.Equal(404, (await _client.GetEntityAsync(Accounts, id)).Status);
        }
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/JSON; charset=UTF-8")]
    [InlineData("application/vnd.once+json")]
    public async Task Post_JsonMediaTypes_Applied(string contentType)
    {
        var id = NewId("acc");
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(Deposit(5)));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        content.Headers.ContentEncoding.Add("identity");

        using var request = PostRequest(Accounts, id, "k-1", content);
        var answer = await _client.SendRawAsync(request);

        Expect.Success(answer, "applied", 1, "k-1");
    }

    [Theory]
    [InlineData("post")]
    [InlineData("Post")]
    [InlineData("get")]
    public async Task Request_MethodNotInUpperCase_NotTreatedAsTheMethod(string method)
    {
        var id = NewId("acc");
        var deposit = Deposit(5);
        var head = $"{method} /v1/entities/accounts/{id}/messages HTTP/1.1\nHost: localhost\nIdempotency-Key: k-1\nContent-Type: application/json\nContent-Length: {deposit.Length}\nConnection: close\n\n";

        var answer = await RawHttp.SendAsync(fixture.KestrelAddress, head, deposit);

        Assert.Equal(501, answer.Status);
        Assert.StartsWith("application/problem+json", answer.ContentType);
        using var problem = JsonDocument.Parse(answer.Body);
        Assert.Equal("urn:once:problem:method-not-implemented", problem.RootElement.GetProperty("type").GetString());
        Assert.Equal(404, (await _client.GetEntityAsync(Accounts, id)).Status);
    }
}
