using System.Globalization;
using System.Text;
using System.Text.Json;
using static Once.Http.Tests.OnceApi;

namespace Once.Http.Tests;

/// <summary>POST /v1/entities/{type}/{id}/messages: outcomes, replays and reused keys.</summary>
[Collection(OnceHttpCollection.Name)]
public sealed class MessageEndpointTests(OnceHttpFixture fixture)
{
    private readonly HttpClient _client = fixture.Client;

    [Fact]
    public async Task Deposit_NewAccount_AppliedWithVersionOneAndETag()
    {
        var id = NewId("acc");
        var key = NewId("key");

        var answer = await _client.PostAsync(Accounts, id, key, Deposit(100));

        var body = Expect.Success(answer, "applied", 1, key);
        Expect.Account(body.GetProperty("result"), balance: 100, limit: 0);
        Assert.Null(answer.Replayed);
        var state = Expect.Entity(await _client.GetEntityAsync(Accounts, id), Accounts, id, 1);
        Expect.Account(state, balance: 100, limit: 0);
    }

    [Theory]
    [InlineData("deposit", 200)]
    [InlineData("withdraw", 422)]
    public async Task Post_Outcome_BodyFramedByContentLengthNotChunks(string kind, int status)
    {
        var id = NewId("acc");
        var key = NewId("key");
        var message = kind == "deposit" ? Deposit(5) : Withdraw(5);
        var head = $"POST /v1/entities/accounts/{id}/messages HTTP/1.1\nHost: localhost\nIdempotency-Key: {key}\nContent-Type: application/json\n"
            + $"Content-Length: {Encoding.UTF8.GetByteCount(message)}\nConnection: close\n\n";

        var first = await RawHttp.SendAsync(fixture.KestrelAddress, head, message);
        var replay = await RawHttp.SendAsync(fixture.KestrelAddress, head, message);

        foreach (var answer in new[] { first, replay })
        {
            Assert.Equal(status, answer.Status);
            Assert.False(answer.Headers.ContainsKey("transfer-encoding"), $"The answer was framed as chunks: {answer.Body}");
            Assert.Equal(Encoding.UTF8.GetByteCount(answer.Body).ToString(CultureInfo.InvariantCulture), answer.Headers["content-length"]);
            using var json = JsonDocument.Parse(answer.Body);
        }

        Assert.Equal(first.Body, replay.Body);
        Assert.Equal("true", replay.Headers["idempotent-replayed"]);
    }

    [Fact]
    public async Task Deposit_SameKeySamePayload_FirstResponseReplayedAndAppliedOnce()
    {
        var id = NewId("acc");
        var key = NewId("key");
        var first = await _client.PostAsync(Accounts, id, key, Deposit(100));

        var second = await _client.PostAsync(Accounts, id, key, Deposit(100));
        var third = await _client.PostAsync(Accounts, id, key, Deposit(100));

        Expect.Success(first, "applied", 1, key);
        Expect.Replay(first, second);
        Expect.Replay(first, third);
        Expect.Account(Expect.Entity(await _client.GetEntityAsync(Accounts, id), Accounts, id, 1), balance: 100, limit: 0);
    }

    [Fact]
    public async Task Deposit_ReplayedAfterEntityMovedOn_StillFirstResponse()
    {
        var id = NewId("acc");
        var key = NewId("key");
        var first = await _client.PostAsync(Accounts, id, key, Deposit(100));
        var later = NewId("key");
        Expect.Success(await _client.PostAsync(Accounts, id, later, Deposit(50)), "applied", 2, later);

        var again = await _client.PostAsync(Accounts, id, key, Deposit(100));

        Expect.Replay(first, again);
        Expect.Account(again.Json.GetProperty("result"), balance: 100, limit: 0);
        Expect.Account(Expect.Entity(await _client.GetEntityAsync(Accounts, id), Accounts, id, 2), balance: 150, limit: 0);
    }

    [Fact]
    public async Task Withdraw_InsufficientFunds_422WithReasonAndStateUntouched()
    {
        var id = NewId("acc");
        await _client.PostAsync(Accounts, id, NewId("key"), Deposit(10));
        var key = NewId("key");

        var answer = await _client.PostAsync(Accounts, id, key, Withdraw(10.01m));

        var problem = Expect.Problem(answer, 422);
        Assert.Equal("insufficient-funds", problem.GetProperty("reason").GetString());
        Assert.Equal(key, problem.GetProperty("messageId").GetString());
        Assert.Equal("\"1\"", answer.ETag);
        Assert.Null(answer.Replayed);
        Expect.Account(Expect.Entity(await _client.GetEntityAsync(Accounts, id), Accounts, id, 1), balance: 10, limit: 0);
    }

    [Fact]
    public async Task Withdraw_RejectedThenSameKeyAgain_422ReplayedByteForByte()
    {
        var id = NewId("acc");
        await _client.PostAsync(Accounts, id, NewId("key"), Deposit(10));
        var key = NewId("key");
        var first = await _client.PostAsync(Accounts, id, key, Withdraw(20));
        await _client.PostAsync(Accounts, id, NewId("key"), Deposit(100));

        // The balance would now allow it, but the key already has its answer.
        var again = await _client.PostAsync(Accounts, id, key, Withdraw(20));

        Expect.Problem(first, 422);
        Expect.Replay(first, again);
        Expect.Account(Expect.Entity(await _client.GetEntityAsync(Accounts, id), Accounts, id, 2), balance: 110, limit: 0);
    }

    [Fact]
    public async Task IfMatch_StaleVersion_412WithCurrentVersionAndStateUntouched()
    {
        var id = NewId("acc");
        await _client.PostAsync(Accounts, id, NewId("key"), Deposit(100));
        var before = await _client.GetEntityAsync(Accounts, id);

        var answer = await _client.PostAsync(Accounts, id, NewId("key"), Deposit(5), ifMatch: "\"7\"");

        var problem = Expect.Problem(answer, 412);
        Assert.Equal(1, problem.GetProperty("currentVersion").GetInt64());
        Assert.Equal(7, problem.GetProperty("expectedVersion").GetInt64());
        Assert.Equal("\"1\"", answer.ETag);
        var after = await _client.GetEntityAsync(Accounts, id);
        Assert.Equal(before.Body, after.Body);
        Assert.Equal(before.ETag, after.ETag);
    }

    [Fact]
    public async Task IfMatch_StaleThenSameKeyAgain_412ReplayedByteForByte()
    {
        var id = NewId("acc");
        await _client.PostAsync(Accounts, id, NewId("key"), Deposit(100));
        var key = NewId("key");
        var first = await _client.PostAsync(Accounts, id, key, Deposit(5), ifMatch: "\"0\"");
        await _client.PostAsync(Accounts, id, NewId("key"), Deposit(1));

        var again = await _client.PostAsync(Accounts, id, key, Deposit(5), ifMatch: "\"0\"");

        Expect.Problem(first, 412);
        Expect.Replay(first, again);
        Expect.Account(Expect.Entity(await _client.GetEntityAsync(Accounts, id), Accounts, id, 2), balance: 101, limit: 0);
    }

    [Fact]
    public async Task IfMatch_CurrentVersion_AppliedAndVersionIncremented()
    {
        var id = NewId("acc");
        await _client.PostAsync(Accounts, id, NewId("key"), Deposit(100));
        var current = await _client.GetEntityAsync(Accounts, id);
        var key = NewId("key");

        var answer = await _client.PostAsync(Accounts, id, key, Withdraw(40), ifMatch: current.ETag);

        Assert.Equal("\"1\"", current.ETag);
        Expect.Account(Expect.Success(answer, "applied", 2, key).GetProperty("result"), balance: 60, limit: 0);
        Expect.Account(Expect.Entity(await _client.GetEntityAsync(Accounts, id), Accounts, id, 2), balance: 60, limit: 0);
    }

    [Fact]
    public async Task IfMatch_ZeroOnNewEntity_Applied()
    {
        var id = NewId("acc");
        var key = NewId("key");

        var answer = await _client.PostAsync(Accounts, id, key, Deposit(3), ifMatch: "\"0\"");

        Expect.Success(answer, "applied", 1, key);
    }

    public static TheoryData<string, string?> DifferentPayloads => new()
    {
        { Deposit(101), null },
        { Withdraw(100), null },
        { SetLimit(100), null },
        { Deposit(100), "\"1\"" },
        { """{"type":"deposit","data":{"amount":100.01}}""", null },
    };

    [Theory]
    [MemberData(nameof(DifferentPayloads))]
    public async Task SameKey_DifferentPayload_422KeyReusedAndNothingApplied(string otherBody, string? otherIfMatch)
    {
        var id = NewId("acc");
        var key = NewId("key");
        var first = await _client.PostAsync(Accounts, id, key, Deposit(100));
        var rejection = await _client.PostAsync(Accounts, id, NewId("key"), Withdraw(1_000));
        var before = await _client.GetEntityAsync(Accounts, id);

        var reused = await _client.PostAsync(Accounts, id, key, otherBody, otherIfMatch);

        var problem = Expect.Problem(reused, 422);
        var rejectionType = Expect.Problem(rejection, 422).GetProperty("type").GetString();
        Assert.NotEqual(rejectionType, problem.GetProperty("type").GetString());
        Assert.Null(reused.Replayed);
        var after = await _client.GetEntityAsync(Accounts, id);
        Assert.Equal(before.Body, after.Body);
        Assert.Equal(before.ETag, after.ETag);
        Expect.Replay(first, await _client.PostAsync(Accounts, id, key, Deposit(100)));
    }

    public static TheoryData<string> EquivalentDeposits => new()
    {
        """{"data":{"amount":100.5},"type":"deposit"}""",
        "{ \"type\" : \"deposit\" ,\n\t\"data\" : { \"amount\" : 100.5 } }\r\n",
        """{"type":"deposit","data":{"amount":100.50}}""",
        """{"type":"deposit","data":{"amount":100.500}}""",
        """{"type":"deposit","data":{"amount":1.005e2}}""",
        """{"type":"deposit","data":{"amount":1005E-1}}""",
        """{"type":"\u0064eposit","data":{"amount":100.5}}""",
    };

    [Theory]
    [MemberData(nameof(EquivalentDeposits))]
    public async Task SameKey_SamePayloadFormattedDifferently_ReplayedNotMismatch(string sameBody)
    {
        var id = NewId("acc");
        var key = NewId("key");
        var first = await _client.PostAsync(Accounts, id, key, """{"type":"deposit","data":{"amount":100.5}}""");

        var again = await _client.PostAsync(Accounts, id, key, sameBody);

        Expect.Success(first, "applied", 1, key);
        Expect.Replay(first, again);
        Expect.Account(Expect.Entity(await _client.GetEntityAsync(Accounts, id), Accounts, id, 1), balance: 100.5m, limit: 0);
    }

    [Fact]
    public async Task NoDataMessage_DataAbsentNullOrEmpty_AllOneMessage()
    {
        var id = NewId("ord");
        await _client.PostAsync(Orders, id, NewId("key"), Place(10));
        var key = NewId("key");
        var first = await _client.PostAsync(Orders, id, key, """{"type":"pay"}""");

        var withNull = await _client.PostAsync(Orders, id, key, """{"type":"pay","data":null}""");
        var withEmpty = await _client.PostAsync(Orders, id, key, """{"type":"pay","data":{}}""");

        Expect.Success(first, "applied", 2, key);
        Expect.Replay(first, withNull);
        Expect.Replay(first, withEmpty);
    }

    [Fact]
    public async Task SetLimit_SameValueTwiceWithDifferentKeys_SecondUnchangedAndVersionNotBumped()
    {
        var id = NewId("acc");
        await _client.PostAsync(Accounts, id, NewId("key"), Deposit(100));
        var firstKey = NewId("key");
        var secondKey = NewId("key");

        var first = await _client.PostAsync(Accounts, id, firstKey, SetLimit(50));
        var second = await _client.PostAsync(Accounts, id, secondKey, """{"type":"set-limit","data":{"limit":50.00}}""");

        Expect.Account(Expect.Success(first, "applied", 2, firstKey).GetProperty("result"), balance: 100, limit: 50);
        Expect.Account(Expect.Success(second, "unchanged", 2, secondKey).GetProperty("result"), balance: 100, limit: 50);
        Assert.Null(second.Replayed);
        Expect.Account(Expect.Entity(await _client.GetEntityAsync(Accounts, id), Accounts, id, 2), balance: 100, limit: 50);
    }

    [Fact]
    public async Task SetLimit_UnchangedThenSameKeyAgain_UnchangedReplayed()
    {
        var id = NewId("acc");
        await _client.PostAsync(Accounts, id, NewId("key"), SetLimit(20));
        var key = NewId("key");
        var first = await _client.PostAsync(Accounts, id, key, SetLimit(20));

        var again = await _client.PostAsync(Accounts, id, key, SetLimit(20));

        Expect.Success(first, "unchanged", 1, key);
        Expect.Replay(first, again);
    }

    [Fact]
    public async Task Withdraw_WithinOverdraftLimit_AppliedToNegativeBalance()
    {
        var id = NewId("acc");
        await _client.PostAsync(Accounts, id, NewId("key"), SetLimit(30));
        var key = NewId("key");

        var answer = await _client.PostAsync(Accounts, id, key, Withdraw(30));

        Expect.Account(Expect.Success(answer, "applied", 2, key).GetProperty("result"), balance: -30, limit: 30);
    }

    public static TheoryData<string> ValidKeys => new()
    {
        new string('k', 255),
        "!",
        "~!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}",
        "orders/2024/0001",
    };

    [Theory]
    [MemberData(nameof(ValidKeys))]
    public async Task IdempotencyKey_PrintableAsciiUpTo255_AcceptedAndReplayed(string key)
    {
        var id = NewId("acc");

        var first = await _client.PostAsync(Accounts, id, key, Deposit(1));
        var again = await _client.PostAsync(Accounts, id, key, Deposit(1));

        Expect.Success(first, "applied", 1, key);
        Expect.Replay(first, again);
    }

    [Fact]
    public async Task EntityId_128AllowedCharacters_Accepted()
    {
        var id = ("Az09._:~-" + Guid.NewGuid().ToString("N") + new string('x', 128))[..128];
        var key = NewId("key");

        var answer = await _client.PostAsync(Accounts, id, key, Deposit(1));

        Expect.Success(answer, "applied", 1, key);
        Expect.Entity(await _client.GetEntityAsync(Accounts, id), Accounts, id, 1);
    }

    [Fact]
    public async Task Deposit_MaximumAmountWithTwoDecimals_Applied()
    {
        var id = NewId("acc");
        var key = NewId("key");

        var answer = await _client.PostAsync(Accounts, id, key, """{"type":"deposit","data":{"amount":1000000000000}}""");
        var cents = await _client.PostAsync(Accounts, id, NewId("key"), """{"type":"deposit","data":{"amount":0.01}}""");

        Expect.Success(answer, "applied", 1, key);
        Expect.Account(cents.Json.GetProperty("result"), balance: 1_000_000_000_000.01m, limit: 0);
    }
}
