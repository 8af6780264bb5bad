using System.Text.Json;

namespace Once.Http.Tests;

/// <summary>What a client sees of one HTTP response: status, media type, body text and the API's headers.</summary>
internal sealed record Answer(int Status, string? MediaType, string Body, string? ETag, string? Replayed)
{
    public bool IsProblem => MediaType == "application/problem+json";

    /// <summary>The body parsed as JSON.</summary>
    public JsonElement Json
    {
        get
        {
            using var document = JsonDocument.Parse(Body);
            return document.RootElement.Clone();
        }
    }

    public static async Task<Answer> ReadAsync(HttpResponseMessage response)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            return new Answer(
                (int)response.StatusCode,
                response.Content.Headers.ContentType?.MediaType,
                body,
                response.Headers.TryGetValues("ETag", out var etags) ? string.Join(",", etags) : null,
                response.Headers.TryGetValues("Idempotent-Replayed", out var replayed) ? string.Join(",", replayed) : null);
        }
    }

    public override string ToString() => $"{Status} {MediaType} ETag={ETag} Replayed={Replayed} {Body}";
}
