using System.Text;
using static Once.Http.Tests.OnceApi;

namespace Once.Http.Tests;

/// <summary>
/// Requests the API must refuse. Each one is sent to an account in a known state (one deposit) and
/// must leave it exactly as it was, with nothing recorded under the request's key.
/// </summary>
[Collection(OnceHttpCollection.Name)]
public sealed class BadInputTests(OnceHttpFixture fixture)
{
    private const int MaxBody = 64 * 1024;

    private const string InvalidRequest = "urn:once:problem:invalid-request";
    private const string InvalidMessage = "urn:once:problem:invalid-message";
    private const string TooLarge = "urn:once:problem:payload-too-large";
    private const string UnknownType = "urn:once:problem:unknown-entity-type";

    private static readonly Dictionary<string, (int Status, string Type, Func<string, string, HttpRequestMessage> Build)> Cases = new()
    {
        ["missing-idempotency-key"] = (400, InvalidRequest, (id, _) => PostRequest(Accounts, id, null, Json(Deposit(5)))),
        ["empty-idempotency-key"] = (400, InvalidRequest, (id, _) => PostRequest(Accounts, id, "", Json(Deposit(5)))),
        ["idempotency-key-256-chars"] = (400, InvalidRequest, (id, _) => PostRequest(Accounts, id, new string('k', 256), Json(Deposit(5)))),
        ["idempotency-key-with-space"] = (400, InvalidRequest, (id, key) => PostRequest(Accounts, id, key + " x", Json(Deposit(5)))),
        ["idempotency-key-with-tab"] = (400, InvalidRequest, (id, key) => PostRequest(Accounts, id, key + "\tx", Json(Deposit(5)))),
        ["idempotency-key-with-del"] = (400, InvalidRequest, (id, key) => PostRequest(Accounts, id, key + "\u007f", Json(Deposit(5)))),
        ["idempotency-key-non-ascii"] = (400, InvalidRequest, (id, key) => PostRequest(Accounts, id, key + "\u00e9", Json(Deposit(5)))),
        ["two-idempotency-keys"] = (400, InvalidRequest, (id, key) =>
        {
            var request = PostRequest(Accounts, id, key, Json(Deposit(5)));
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key + "-2");
            return request;
        }),
        ["if-match-unquoted"] = (400, InvalidRequest, (id, key) => PostRequest(Accounts, id, key, Json(Deposit(5)), ifMatch: "1")),
        ["if-match-weak"] = (400, InvalidRequest, (id, key) => PostRequest(Accounts, id, key, Json(Deposit(5)), ifMatch: "W/\"1\"")),
        ["if-match-negative"] = (400, InvalidRequest, (id, key) => PostRequest(Accounts, id, key, Json(Deposit(5)), ifMatch: "\"-1\"")),
        ["if-match-not-a-number"] = (400, InvalidRequest, (id, key) => PostRequest(Accounts, id, key, Json(Deposit(5)), ifMatch: "\"abc\"")),
        ["malformed-json"] = (400, InvalidRequest, (id, key) => PostRequest(Accounts, id, key, Json("""{"type":"deposit","data":{"amount":5}"""))),
        ["empty-body"] = (400, InvalidRequest, (id, key) => PostRequest(Accounts, id, key, Json(""))),
        ["body-is-array"] = (400, InvalidRequest, (id, key) => PostRequest(Accounts, id, key, Json("""[{"type":"deposit","data":{"amount":5}}]"""))),
        ["trailing-garbage"] = (400, InvalidRequest, (id, key) => PostRequest(Accounts, id, key, Json(Deposit(5) + "x"))),
        ["type-missing"] = (400, InvalidRequest, (id, key) => PostRequest(Accounts, id, key, Json("""{"data":{"amount":5}}"""))),
        ["type-not-a-string"] = (400, InvalidRequest, (id, key) => PostRequest(Accounts, id, key, Json("""{"type":7,"data":{"amount":5}}"""))),
        ["type-empty"] = (400, InvalidRequest, (id, key) => PostRequest(Accounts, id, key, Json("""{"type":"","data":{"amount":5}}"""))),
        ["unknown-message-type"] = (400, InvalidMessage, (id, key) => PostRequest(Accounts, id, key, Json("""{"type":"teleport","data":{"amount":5}}"""))),
        ["message-type-wrong-case"] = (400, InvalidMessage, (id, key) => PostRequest(Accounts, id, key, Json("""{"type":"Deposit","data":{"amount":5}}"""))),
        ["data-is-array"] = (400, InvalidRequest, (id, key) => PostRequest(Accounts, id, key, Json("""{"type":"deposit","data":[5]}"""))),
        ["data-is-string"] = (400, InvalidRequest, (id, key) => PostRequest(Accounts, id, key, Json("""{"type":"deposit","data":"5"}"""))),
        ["unknown-body-member"] = (400, InvalidRequest, (id, key) => PostRequest(Accounts, id, key, Json("""{"type":"deposit","data":{"amount":5},"extra":1}"""))),
        ["duplicate-body-member"] = (400, InvalidRequest, (id, key) => PostRequest(Accounts, id, key, Json("""{"type":"deposit","type":"deposit","data":{"amount":5}}"""))),
        ["produced-at-not-a-date"] = (400, InvalidRequest, (id, key) => PostRequest(Accounts, id, key, Json("""{"type":"deposit","data":{"amount":5},"producedAt":"yesterday"}"""))),
        ["produced-at-us-date"] = (400, InvalidRequest, (id, key) => PostRequest(Accounts, id, key, Json("""{"type":"deposit","data":{"amount":5},"producedAt":"1/2/2024"}"""))),
        ["produced-at-date-only"] = (400, InvalidRequest, (id, key) => PostRequest(Accounts, id, key, Json("""{"type":"deposit","data":{"amount":5},"producedAt":"2024-01-01"}"""))),
        ["produced-at-without-offset"] = (400, InvalidRequest, (id, key) => PostRequest(Accounts, id, key, Json("""{"type":"deposit","data":{"amount":5},"producedAt":"2024-01-01T10:00:00"}"""))),
        ["produced-at-year-9999"] = (400, InvalidMessage, (id, key) => PostRequest(Accounts, id, key, Json("""{"type":"deposit","data":{"amount":5},"producedAt":"9999-12-31T23:59:59Z"}"""))),
        ["amount-missing"] = (400, InvalidMessage, (id, key) => PostRequest(Accounts, id, key, Json("""{"type":"deposit","data":{}}"""))),
        ["amount-null"] = (400, InvalidMessage, (id, key) => PostRequest(Accounts, id, key, Json("""{"type":"deposit","data":{"amount":null}}"""))),
        ["amount-as-string"] = (400, InvalidMessage, (id, key) => PostRequest(Accounts, id, key, Json("""{"type":"deposit","data":{"amount":"5"}}"""))),
        ["amount-as-bool"] = (400, InvalidMessage, (id, key) => PostRequest(Accounts, id, key, Json("""{"type":"deposit","data":{"amount":true}}"""))),
        ["amount-zero"] = (400, InvalidMessage, (id, key) => PostRequest(Accounts, id, key, Json("""{"type":"deposit","data":{"amount":0}}"""))),
        ["amount-negative"] = (400, InvalidMessage, (id, key) => PostRequest(Accounts, id, key, Json("""{"type":"deposit","data":{"amount":-5}}"""))),
        ["amount-over-1e12"] = (400, InvalidMessage, (id, key) => PostRequest(Accounts, id, key, Json("""{"type":"deposit","data":{"amount":1000000000000.01}}"""))),
        ["amount-three-decimals"] = (400, InvalidMessage, (id, key) => PostRequest(Accounts, id, key, Json("""{"type":"deposit","data":{"amount":1.005}}"""))),
        ["amount-beyond-decimal"] = (400, InvalidMessage, (id, key) => PostRequest(Accounts, id, key, Json("""{"type":"deposit","data":{"amount":1e400}}"""))),
        ["amount-31-decimals"] = (400, InvalidMessage, (id, key) => PostRequest(Accounts, id, key, Json("""{"type":"deposit","data":{"amount":5.0000000000000000000000000000001}}"""))),
        ["withdraw-three-decimals"] = (400, InvalidMessage, (id, key) => PostRequest(Accounts, id, key, Json("""{"type":"withdraw","data":{"amount":0.001}}"""))),
        ["limit-negative"] = (400, InvalidMessage, (id, key) => PostRequest(Accounts, id, key, Json("""{"type":"set-limit","data":{"limit":-1}}"""))),
        ["unknown-data-member"] = (400, InvalidMessage, (id, key) => PostRequest(Accounts, id, key, Json("""{"type":"deposit","data":{"amount":5,"memo":"x"}}"""))),
        ["data-member-wrong-case"] = (400, InvalidMessage, (id, key) => PostRequest(Accounts, id, key, Json("""{"type":"deposit","data":{"Amount":5}}"""))),
        ["duplicate-data-member"] = (400, InvalidMessage, (id, key) => PostRequest(Accounts, id, key, Json("""{"type":"deposit","data":{"amount":5,"amount":6}}"""))),
        ["member-of-other-message-type"] = (400, InvalidMessage, (id, key) => PostRequest(Accounts, id, key, Json("""{"type":"deposit","data":{"limit":5}}"""))),
        ["body-over-64kib"] = (413, TooLarge, (id, key) => PostRequest(Accounts, id, key, Json(Padded(Deposit(5), MaxBody + 1)))),
        ["body-over-64kib-without-length"] = (413, TooLarge, (id, key) =>
            PostRequest(Accounts, id, key, new ChunkedContent(Encoding.UTF8.GetBytes(Padded(Deposit(5), MaxBody + 1))))),
        ["unknown-entity-type"] = (404, UnknownType, (id, key) => PostRequest("widgets", id, key, Json(Deposit(5)))),
        ["entity-type-upper-case"] = (404, UnknownType, (id, key) => PostRequest("Accounts", id, key, Json(Deposit(5)))),
        ["entity-id-129-chars"] = (400, InvalidRequest, (id, key) => PostRequest(Accounts, id + new string('x', 129 - id.Length), key, Json(Deposit(5)))),
        ["entity-id-with-at-sign"] = (400, InvalidRequest, (id, key) => PostRequest(Accounts, id + "@x", key, Json(Deposit(5)))),
        ["entity-id-with-space"] = (400, InvalidRequest, (id, key) => PostRequest(Accounts, id + "%20x", key, Json(Deposit(5)))),
        ["entity-id-with-encoded-slash"] = (400, InvalidRequest, (id, key) => PostRequest(Accounts, id + "%2Fx", key, Json(Deposit(5)))),
        ["entity-id-non-ascii"] = (400, InvalidRequest, (id, key) => PostRequest(Accounts, id + "%C3%A9", key, Json(Deposit(5)))),
    };

    private readonly HttpClient _client = fixture.Client;

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task BadRequest_AnyCase_ProblemAndEntityUnchanged(string name)
    {
        var (status, type, build) = Cases[name];
        var id = NewId("acc");
        var key = NewId("key");
        var setup = NewId("key");
        Expect.Success(await _client.PostAsync(Accounts, id, setup, Deposit(100)), "applied", 1, setup);
        var before = await _client.GetEntityAsync(Accounts, id);

        using var request = build(id, key);
        var answer = await _client.SendRawAsync(request);

        Assert.Equal(type, Expect.Problem(answer, status).GetProperty("type").GetString());
        Assert.Null(answer.Replayed);
        var after = await _client.GetEntityAsync(Accounts, id);
        Assert.Equal(200, after.Status);
        Assert.Equal(before.Body, after.Body);
        Assert.Equal(before.ETag, after.ETag);
        Assert.Equal(404, (await _client.GetOutcomeAsync(Accounts, id, key)).Status);
    }

    [Fact]
    public async Task BadRequest_ThenSameKeyWithValidPayload_Applied()
    {
        var id = NewId("acc");
        var key = NewId("key");
        Expect.Problem(await _client.PostAsync(Accounts, id, key, """{"type":"deposit","data":{"amount":0}}"""), 400);

        var answer = await _client.PostAsync(Accounts, id, key, Deposit(5));

        Expect.Success(answer, "applied", 1, key);
        Assert.Null(answer.Replayed);
    }

    [Fact]
    public async Task Body_Exactly64KiB_Applied()
    {
        var id = NewId("acc");
        var key = NewId("key");
        var body = Padded(Deposit(5), MaxBody);

        var answer = await _client.PostAsync(Accounts, id, key, body);

        Assert.Equal(MaxBody, Encoding.UTF8.GetByteCount(body));
        Expect.Success(answer, "applied", 1, key);
    }

    [Fact]
    public async Task Body_Exactly64KiBWithoutLength_Applied()
    {
        var id = NewId("acc");
        var key = NewId("key");

        using var request = PostRequest(Accounts, id, key, new ChunkedContent(Encoding.UTF8.GetBytes(Padded(Deposit(5), MaxBody))));
        var answer = await _client.SendRawAsync(request);

        Expect.Success(answer, "applied", 1, key);
    }

    [Fact]
    public async Task Body_InvalidUtf8InAString_400NothingApplied()
    {
        var id = NewId("f");
        var key = NewId("key");
        // {"type":"work","data":{"switch":"<0xFF>"}}: decoded leniently, the switch would be U+FFFD and the work applied.
        var body = Encoding.UTF8.GetBytes("""{"type":"work","data":{"switch":"x""").Concat(new byte[] { 0xFF }).Concat(Encoding.UTF8.GetBytes("\"}}")).ToArray();
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        using var request = PostRequest(Faulty, id, key, content);
        var answer = await _client.SendRawAsync(request);

        Assert.Equal(InvalidRequest, Expect.Problem(answer, 400).GetProperty("type").GetString());
        Assert.Equal(404, (await _client.GetOutcomeAsync(Faulty, id, key)).Status);
        Assert.Equal(404, (await _client.GetEntityAsync(Faulty, id)).Status);
    }

    /// <summary>The JSON text followed by whitespace up to exactly <paramref name="bytes"/> bytes.</summary>
    private static string Padded(string json, int bytes) => json + new string(' ', bytes - Encoding.UTF8.GetByteCount(json));
}
