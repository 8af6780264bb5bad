using System.Diagnostics;
using static Once.Http.Tests.OnceApi;

namespace Once.Http.Tests;

/// <summary><c>POST /v1/streams/{type}/{id}</c>: validated at ingress like the direct endpoint, then 202 Accepted.</summary>
[Collection(OnceHttpCollection.Name)]
public sealed class StreamEndpointTests(OnceHttpFixture fixture)
{
    private readonly HttpClient _client = fixture.Client;

    [Fact]
    public async Task Publish_ValidMessage_Accepted202WithLocationOfTheOutcome()
    {
        var id = NewId("s");

        var (answer, location) = await PublishAsync(Accounts, id, "k-1", Deposit(10m));
        var outcome = await OutcomeEventuallyAsync(Accounts, id, "k-1");

        Assert.Equal(202, answer.Status);
        Assert.Equal($"/v1/entities/accounts/{id}/messages/k-1", location);
        Assert.Equal(location, answer.Json.GetProperty("outcome").GetString());
        Assert.Equal("applied", outcome.Json.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("deposit-negative", """{"type":"deposit","data":{"amount":-1}}""", 400)]
    [InlineData("unknown-message-type", """{"type":"teleport","data":{}}""", 400)]
    [InlineData("malformed-json", """{"type":"deposit",""", 400)]
    [InlineData("unknown-member", """{"type":"deposit","data":{"amount":1},"extra":1}""", 400)]
    [InlineData("produced-at-far-ahead", """{"type":"deposit","data":{"amount":1},"producedAt":"9999-12-31T23:59:59Z"}""", 400)]
    [InlineData("produced-at-without-offset", """{"type":"deposit","data":{"amount":1},"producedAt":"2024-01-01T10:00:00"}""", 400)]
    public async Task Publish_BadMessage_SameStatusAsDirectAndNeverEntersTheStream(string key, string body, int status)
    {
        var id = NewId("s");
        await _client.PostAsync(Accounts, id, "seed", Deposit(1m));

        var (viaStream, _) = await PublishAsync(Accounts, id, key, body);
        var direct = await _client.PostAsync(Accounts, id, key, body);
        await PublishAsync(Accounts, id, "marker", Deposit(1m));
        await OutcomeEventuallyAsync(Accounts, id, "marker");

        Assert.Equal(status, viaStream.Status);
        Assert.Equal(direct.Status, viaStream.Status);
        Assert.True(viaStream.IsProblem);
        Assert.Equal(404, (await _client.GetOutcomeAsync(Accounts, id, key)).Status);
        Assert.Equal(2, (await _client.GetEntityAsync(Accounts, id)).Json.GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task Publish_UnknownEntityTypeOrMissingKey_404And400()
    {
        var (unknownType, _) = await PublishAsync("widgets", NewId("s"), "k", Deposit(1m));
        var (missingKey, _) = await PublishAsync(Accounts, NewId("s"), key: null, Deposit(1m));

        Assert.Equal(404, unknownType.Status);
        Assert.Equal(400, missingKey.Status);
    }

    [Fact]
    public async Task SameKeyByStreamAndDirect_AppliedOnce_DirectGetsTheFirstOutcomeReplayed()
    {
        var id = NewId("s");
        await PublishAsync(Accounts, id, "k-1", Deposit(10m));
        await PublishAsync(Accounts, id, "k-1", Deposit(10m));
        var viaStream = await OutcomeEventuallyAsync(Accounts, id, "k-1");

        var direct = await _client.PostAsync(Accounts, id, "k-1", Deposit(10m));

        Assert.Equal((200, "true"), (direct.Status, direct.Replayed));
        Assert.Equal(viaStream.Json.GetProperty("version").GetInt64(), direct.Json.GetProperty("version").GetInt64());
        var state = (await _client.GetEntityAsync(Accounts, id)).Json;
        Assert.Equal((1L, 10m), (state.GetProperty("version").GetInt64(), state.GetProperty("state").GetProperty("balance").GetDecimal()));
    }

    private async Task<(Answer Answer, string? Location)> PublishAsync(string type, string id, string? key, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/streams/{type}/{id}") { Content = Json(body) };
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        }

        using var response = await _client.SendAsync(request);
        var location = response.Headers.Location?.OriginalString;
        return (await Answer.ReadAsync(response), location);
    }

    private async Task<Answer> OutcomeEventuallyAsync(string type, string id, string key)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var answer = await _client.GetOutcomeAsync(type, id, key);
            if (answer.Status == 200)
            {
                return answer;
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), $"no outcome for {key}: {answer}");
            await timer.WaitForNextTickAsync();
        }
    }
}
