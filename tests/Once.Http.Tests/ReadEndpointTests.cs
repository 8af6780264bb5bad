using static Once.Http.Tests.OnceApi;

namespace Once.Http.Tests;

/// <summary>GET of entities and of recorded outcomes, the health endpoints, and problem+json for every error.</summary>
[Collection(OnceHttpCollection.Name)]
public sealed class ReadEndpointTests(OnceHttpFixture fixture)
{
    private readonly HttpClient _client = fixture.Client;

    [Fact]
    public async Task GetEntity_NeverSentAnything_404Problem()
    {
        var answer = await _client.GetEntityAsync(Accounts, NewId("acc"));

        Expect.Problem(answer, 404);
        Assert.Null(answer.ETag);
    }

    [Fact]
    public async Task GetEntity_OnlyRefusedMessages_404Problem()
    {
        var id = NewId("acc");
        Expect.Problem(await _client.PostAsync(Accounts, id, NewId("key"), Withdraw(5)), 422);
        Expect.Problem(await _client.PostAsync(Accounts, id, NewId("key"), Deposit(5), ifMatch: "\"3\""), 412);
        Expect.Success(await _client.PostAsync(Accounts, id, "unchanged", SetLimit(0)), "unchanged", 0, "unchanged");

        var answer = await _client.GetEntityAsync(Accounts, id);

        Expect.Problem(answer, 404);
    }

    [Fact]
    public async Task GetEntity_AfterMessages_TypeIdVersionStateAndETag()
    {
        var id = NewId("acc");
        await _client.PostAsync(Accounts, id, NewId("key"), Deposit(12.34m));
        await _client.PostAsync(Accounts, id, NewId("key"), SetLimit(5));

        var answer = await _client.GetEntityAsync(Accounts, id);

        var state = Expect.Entity(answer, Accounts, id, 2);
        Expect.Account(state, balance: 12.34m, limit: 5);
        Assert.Equal(
            ["id", "state", "type", "version"],
            answer.Json.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task GetEntity_UnknownType_404Problem()
    {
        Expect.Problem(await _client.GetEntityAsync("widgets", NewId("w")), 404);
    }

    [Fact]
    public async Task GetOutcome_UnknownType_404Problem()
    {
        Expect.Problem(await _client.GetOutcomeAsync("widgets", NewId("w"), NewId("key")), 404);
    }

    [Fact]
    public async Task GetOutcome_InvalidEntityId_400Problem()
    {
        Expect.Problem(await _client.GetOutcomeAsync(Accounts, "bad@id", NewId("key")), 400);
    }

    [Fact]
    public async Task GetEntity_InvalidId_400Problem()
    {
        Expect.Problem(await _client.GetEntityAsync(Accounts, "bad@id"), 400);
    }

    [Fact]
    public async Task GetOutcome_Applied_StatusVersionResultAndFirstSeenAt()
    {
        var id = NewId("acc");
        var key = NewId("key");
        var before = DateTimeOffset.UtcNow;
        await _client.PostAsync(Accounts, id, key, Deposit(100));
        await _client.PostAsync(Accounts, id, NewId("key"), Deposit(1));
        var after = DateTimeOffset.UtcNow;

        var answer = await _client.GetOutcomeAsync(Accounts, id, key);

        Assert.Equal(200, answer.Status);
        var json = answer.Json;
        Assert.Equal(key, json.GetProperty("messageId").GetString());
        Assert.Equal("applied", json.GetProperty("status").GetString());
        Assert.Equal(1, json.GetProperty("version").GetInt64());
        Expect.Account(json.GetProperty("result"), balance: 100, limit: 0);
        Assert.InRange(json.GetProperty("firstSeenAt").GetDateTimeOffset(), before.AddSeconds(-1), after.AddSeconds(1));
        Assert.False(json.TryGetProperty("reason", out _));
    }

    [Fact]
    public async Task GetOutcome_AskedTwiceAndAfterReplay_SameFirstSeenAt()
    {
        var id = NewId("acc");
        var key = NewId("key");
        await _client.PostAsync(Accounts, id, key, Deposit(100));
        var first = await _client.GetOutcomeAsync(Accounts, id, key);

        await _client.PostAsync(Accounts, id, key, Deposit(100));
        var second = await _client.GetOutcomeAsync(Accounts, id, key);

        Assert.Equal(200, second.Status);
        Assert.Equal(first.Body, second.Body);
    }

    [Fact]
    public async Task GetOutcome_Rejected_StatusAndReason()
    {
        var id = NewId("acc");
        var key = NewId("key");
        await _client.PostAsync(Accounts, id, key, Withdraw(5));

        var answer = await _client.GetOutcomeAsync(Accounts, id, key);

        Assert.Equal(200, answer.Status);
        var json = answer.Json;
        Assert.Equal("rejected", json.GetProperty("status").GetString());
        Assert.Equal("insufficient-funds", json.GetProperty("reason").GetString());
        Assert.Equal(0, json.GetProperty("version").GetInt64());
        Assert.True(json.TryGetProperty("firstSeenAt", out _));
    }

    [Fact]
    public async Task GetOutcome_VersionConflict_StatusAndVersions()
    {
        var id = NewId("acc");
        await _client.PostAsync(Accounts, id, NewId("key"), Deposit(1));
        var key = NewId("key");
        await _client.PostAsync(Accounts, id, key, Deposit(1), ifMatch: "\"9\"");

        var json = (await _client.GetOutcomeAsync(Accounts, id, key)).Json;

        Assert.Equal("version-conflict", json.GetProperty("status").GetString());
        Assert.Equal(1, json.GetProperty("version").GetInt64());
        Assert.Equal(9, json.GetProperty("expectedVersion").GetInt64());
    }

    [Fact]
    public async Task GetOutcome_KeyReusedWithOtherPayload_StillTheFirstOutcome()
    {
        var id = NewId("acc");
        var key = NewId("key");
        await _client.PostAsync(Accounts, id, key, Deposit(100));
        var first = await _client.GetOutcomeAsync(Accounts, id, key);

        Expect.Problem(await _client.PostAsync(Accounts, id, key, Deposit(200)), 422);

        Assert.Equal(first.Body, (await _client.GetOutcomeAsync(Accounts, id, key)).Body);
    }

    [Fact]
    public async Task GetOutcome_UnknownMessageId_404Problem()
    {
        var id = NewId("acc");
        await _client.PostAsync(Accounts, id, NewId("key"), Deposit(1));

        Expect.Problem(await _client.GetOutcomeAsync(Accounts, id, NewId("never-sent")), 404);
    }

    [Fact]
    public async Task GetOutcome_OtherEntitysMessage_404Problem()
    {
        var key = NewId("key");
        await _client.PostAsync(Accounts, NewId("acc"), key, Deposit(1));

        Expect.Problem(await _client.GetOutcomeAsync(Accounts, NewId("acc"), key), 404);
    }

    [Fact]
    public async Task GetOutcome_KeyWithSlashesInRawPath_Found()
    {
        var id = NewId("acc");
        var key = "orders/2024/" + Guid.NewGuid().ToString("N");
        await _client.PostAsync(Accounts, id, key, Deposit(1));

        var answer = await _client.GetOutcomeAsync(Accounts, id, key, escape: false);

        Assert.Equal(200, answer.Status);
        Assert.Equal(key, answer.Json.GetProperty("messageId").GetString());
    }

    /// <summary>Keys a client must percent-encode in a path segment ('/' aside: see the raw-path and escaped-slash tests).</summary>
    public static TheoryData<string> KeysNeedingEscapes => new()
    {
        "50%off",
        "what?now",
        "hash#tag",
        "~!\"#$%&'()*+,-.:;<=>?@[\\]^_`{|}",
    };

    [Theory]
    [MemberData(nameof(KeysNeedingEscapes))]
    public async Task GetOutcome_KeyPercentEncodedAsOneSegment_Found(string key)
    {
        var id = NewId("acc");
        Expect.Success(await _client.PostAsync(Accounts, id, key, Deposit(1)), "applied", 1, key);

        var answer = await _client.GetOutcomeAsync(Accounts, id, key);

        Assert.True(answer.Status == 200, answer.ToString());
        Assert.Equal(key, answer.Json.GetProperty("messageId").GetString());
    }

    [Fact]
    public async Task GetOutcome_EscapedSlashKeyNextToLiteralPercent2FKey_NeverAnotherMessagesOutcome()
    {
        var id = NewId("acc");
        var suffix = Guid.NewGuid().ToString("N");
        var slashKey = "a/" + suffix;
        var literalKey = "a%2F" + suffix;
        Expect.Success(await _client.PostAsync(Accounts, id, literalKey, Deposit(1)), "applied", 1, literalKey);
        Expect.Success(await _client.PostAsync(Accounts, id, slashKey, Deposit(2)), "applied", 2, slashKey);

        var slash = await _client.GetOutcomeAsync(Accounts, id, slashKey);
        var literal = await _client.GetOutcomeAsync(Accounts, id, literalKey);

        // A lookup may refuse a form it cannot decode, but must never answer with another message's outcome.
        AssertOwnOutcomeOrProblem(slash, slashKey, version: 2);
        AssertOwnOutcomeOrProblem(literal, literalKey, version: 1);
    }

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task Health_RunningHost_200(string path)
    {
        var answer = await _client.GetPathAsync(path);

        Assert.Equal(200, answer.Status);
        Assert.Equal("Healthy", answer.Body);
    }

    [Fact]
    public async Task UnknownRoute_Any_404Problem()
    {
        Expect.Problem(await _client.GetPathAsync("/v1/nothing-here"), 404);
    }

    [Fact]
    public async Task WrongMethod_PutOnMessages_405Problem()
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, Path(Accounts, NewId("acc"), "messages")) { Content = Json(Deposit(1)) };

        Expect.Problem(await _client.SendRawAsync(request), 405);
    }

    [Fact]
    public async Task UnknownEntityType_Post_404ProblemNamingKnownTypes()
    {
        var problem = Expect.Problem(await _client.PostAsync("widgets", NewId("w"), NewId("key"), Deposit(1)), 404);

        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("accounts", detail, StringComparison.Ordinal);
        Assert.Contains("orders", detail, StringComparison.Ordinal);
    }

    private static void AssertOwnOutcomeOrProblem(Answer answer, string key, long version)
    {
        if (answer.Status != 200)
        {
            Expect.Problem(answer, answer.Status);
            return;
        }

        Assert.Equal(key, answer.Json.GetProperty("messageId").GetString());
        Assert.Equal(version, answer.Json.GetProperty("version").GetInt64());
    }
}
