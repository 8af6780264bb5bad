using System.Text.Json;
using static Once.Http.Tests.OnceApi;

namespace Once.Http.Tests;

/// <summary>
/// Requests only a real server sees as they are: broken framing and paths that normalise. Each is
/// refused with a 4xx problem+json, changes nothing, and logs no unhandled error.
/// </summary>
[Collection(OnceHttpCollection.Name)]
public sealed class KestrelRefusalTests(OnceHttpFixture fixture)
{
    private readonly HttpClient _client = fixture.Client;

    [Theory]
    [InlineData("chunk-size-zz", 400, "urn:once:problem:invalid-request")]
    [InlineData("chunk-size-too-large", 400, "urn:once:problem:invalid-request")]
    [InlineData("shorter-than-content-length", 408, "urn:once:problem:request-timeout")]
    public async Task Post_BrokenFraming_4xxProblemNothingAppliedNothingLogged(string name, int status, string type)
    {
        var id = NewId("acc");
        var key = NewId("key");
        Expect.Success(await _client.PostAsync(Accounts, id, "seed", Deposit(100)), "applied", 1, "seed");
        var errorsBefore = fixture.Logs.Errors.Count;
        var head = $"POST /v1/entities/accounts/{id}/messages HTTP/1.1\nHost: localhost\nIdempotency-Key: {key}\nContent-Type: application/json\nConnection: close\n";
        var deposit = Deposit(5);

        var answer = name switch
        {
            "chunk-size-zz" => await RawHttp.SendAsync(fixture.KestrelAddress, head + "Transfer-Encoding: chunked\n\n", $"zz\r\n{deposit}\r\n0\r\n\r\n"),
            "chunk-size-too-large" => await RawHttp.SendAsync(fixture.KestrelAddress, head + "Transfer-Encoding: chunked\n\n", $"FFFFFFFFFFFFFFFFFF\r\n{deposit}\r\n0\r\n\r\n"),
            // The rest of the body never comes: Kestrel's minimum body data rate ends the wait (after 5 s).
            _ => await RawHttp.SendAsync(fixture.KestrelAddress, head + $"Content-Length: {deposit.Length + 20}\n\n", deposit),
        };

        Assert.Equal(status, answer.Status);
        Assert.StartsWith("application/problem+json", answer.ContentType);
        using var problem = JsonDocument.Parse(answer.Body);
        Assert.Equal(type, problem.RootElement.GetProperty("type").GetString());
        Assert.Equal(status, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Equal(404, (await _client.GetOutcomeAsync(Accounts, id, key)).Status);
        Assert.Equal(1, (await _client.GetEntityAsync(Accounts, id)).Json.GetProperty("version").GetInt64());
        Assert.Empty(fixture.Logs.Errors.Skip(errorsBefore));
    }

    [Fact]
    public async Task Post_InputEndsBeforeContentLength_NothingAppliedNothingLogged()
    {
        var id = NewId("acc");
        var key = NewId("key");
        Expect.Success(await _client.PostAsync(Accounts, id, "seed", Deposit(100)), "applied", 1, "seed");
        var errorsBefore = fixture.Logs.Errors.Count;
        var deposit = Deposit(5);
        var head = $"POST /v1/entities/accounts/{id}/messages HTTP/1.1\nHost: localhost\nIdempotency-Key: {key}\nContent-Type: application/json\nContent-Length: {deposit.Length + 20}\n\n";

        try
        {
            // The client ends its input: Kestrel may reset the connection rather than answer.
            var answer = await RawHttp.SendAsync(fixture.KestrelAddress, head, deposit, endInput: true);
            Assert.Equal(400, answer.Status);
        }
        catch (IOException)
        {
        }

        Assert.Equal(404, (await _client.GetOutcomeAsync(Accounts, id, key)).Status);
        Assert.Equal(1, (await _client.GetEntityAsync(Accounts, id)).Json.GetProperty("version").GetInt64());
        Assert.Empty(fixture.Logs.Errors.Skip(errorsBefore));
    }

    [Theory]
    [InlineData("/v1/entities/accounts/./{id}/messages/{key}")]
    [InlineData("/v1/entities/accounts/x/../{id}/messages/{key}")]
    [InlineData("/v1/entities/accounts/{id}/./messages/{key}")]
    [InlineData("/v1/entities/./accounts/{id}/messages/{key}")]
    public async Task GetOutcome_PathWithDotSegments_RefusedNotAnotherMessage(string template)
    {
        var id = NewId("acc");
        var key = NewId("key");
        Expect.Success(await _client.PostAsync(Accounts, id, key, Deposit(5)), "applied", 1, key);
        Expect.Success(await _client.PostAsync(Accounts, id, "messages/" + key, Deposit(6)), "applied", 2, "messages/" + key);

        var plain = await RawHttp.SendAsync(fixture.KestrelAddress, $"GET /v1/entities/accounts/{id}/messages/{key} HTTP/1.1\nHost: localhost\nConnection: close\n\n");
        var dotted = await RawHttp.SendAsync(fixture.KestrelAddress, $"GET {template.Replace("{id}", id).Replace("{key}", key)} HTTP/1.1\nHost: localhost\nConnection: close\n\n");

        Assert.Equal(200, plain.Status);
        Assert.Equal(1, JsonDocument.Parse(plain.Body).RootElement.GetProperty("version").GetInt64());
        Assert.Equal(400, dotted.Status);
        Assert.StartsWith("application/problem+json", dotted.ContentType);
    }
}
