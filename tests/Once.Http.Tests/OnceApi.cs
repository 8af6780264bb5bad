using System.Globalization;
using System.Text;

namespace Once.Http.Tests;

/// <summary>The calls a client of the entity API makes, with the headers and bodies spelled out.</summary>
internal static class OnceApi
{
    public const string Accounts = "accounts";
    public const string Orders = "orders";

    /// <summary>Accounts without deduplication: the negative control of the exactly-once checks.</summary>
    public const string AtLeastOnceAccounts = "accounts-at-least-once";

    /// <summary>Counters whose handler throws while the message's fault switch is on (<see cref="FaultyHandler"/>).</summary>
    public const string Faulty = "faulty";

    /// <summary>Faulty counters without deduplication: the negative control of the requeue checks.</summary>
    public const string AtLeastOnceFaulty = "faulty-at-least-once";

    /// <summary>Accounts that only the metrics tests send to, so the per-type counters they read move only for them.</summary>
    public const string MeteredAccounts = "accounts-metered";

    /// <summary>Faulty counters that only the metrics tests dead-letter.</summary>
    public const string MeteredFaulty = "faulty-metered";

    /// <summary>A fresh entity id or idempotency key, so tests never share an entity or a message.</summary>
    public static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    public static string Deposit(decimal amount) => Message("deposit", "amount", amount);

    public static string Withdraw(decimal amount) => Message("withdraw", "amount", amount);

    public static string SetLimit(decimal limit) => Message("set-limit", "limit", limit);

    public static string Place(decimal total) => Message("place", "total", total);

    /// <summary>A <c>work</c> message for a faulty counter, failing while <paramref name="faultSwitch"/> is on.</summary>
    public static string Work(string faultSwitch) => $$$"""{"type":"work","data":{"switch":"{{{faultSwitch}}}"}}""";

    public static string NoData(string type) => $$"""{"type":"{{type}}"}""";

    public static HttpRequestMessage PostRequest(string type, string id, string? key, HttpContent content, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Path(type, id, "messages")) { Content = content };
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        }

        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return request;
    }

    public static HttpContent Json(string body) => new StringContent(body, Encoding.UTF8, "application/json");

    public static async Task<Answer> PostAsync(this HttpClient client, string type, string id, string? key, string body, string? ifMatch = null)
    {
        using var request = PostRequest(type, id, key, Json(body), ifMatch);
        return await client.SendRawAsync(request);
    }

    /// <summary>Enqueues a message on the entity's stream (<c>POST /v1/streams/{type}/{id}</c>).</summary>
    public static async Task<Answer> PublishAsync(this HttpClient client, string type, string id, string key, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/streams/{type}/{id}") { Content = Json(body) };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        return await client.SendRawAsync(request);
    }

    /// <summary>The first page of dead letters, as large as the API allows.</summary>
    public static async Task<Answer> ListDeadLettersAsync(this HttpClient client) =>
        await client.GetPathAsync("/v1/dead-letters?limit=500");

    public static async Task<Answer> RequeueAsync(this HttpClient client, string deadLetterId) =>
        await Answer.ReadAsync(await client.PostAsync(new Uri($"/v1/dead-letters/{Uri.EscapeDataString(deadLetterId)}/requeue", UriKind.Relative), null));

    public static async Task<Answer> SendRawAsync(this HttpClient client, HttpRequestMessage request) =>
        await Answer.ReadAsync(await client.SendAsync(request));

    public static async Task<Answer> GetEntityAsync(this HttpClient client, string type, string id) =>
        await client.GetPathAsync(Path(type, id));

    /// <summary>Asks for a message's outcome; the id is escaped as one path segment unless the caller passes it raw.</summary>
    public static async Task<Answer> GetOutcomeAsync(this HttpClient client, string type, string id, string messageId, bool escape = true) =>
        await client.GetPathAsync(Path(type, id, "messages", escape ? Uri.EscapeDataString(messageId) : messageId));

    public static async Task<Answer> GetPathAsync(this HttpClient client, string path) =>
        await Answer.ReadAsync(await client.GetAsync(new Uri(path, UriKind.Relative)));

    public static string Path(string type, string id, params string[] rest) =>
        string.Join('/', new[] { "/v1/entities", type, id }.Concat(rest));

    private static string Message(string type, string member, decimal value) =>
        string.Create(CultureInfo.InvariantCulture, $$$"""{"type":"{{{type}}}","data":{"{{{member}}}":{{{value}}}}}""");
}
