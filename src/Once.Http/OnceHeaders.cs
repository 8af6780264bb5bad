namespace Once.Http;

/// <summary>The HTTP headers of the API.</summary>
public static class OnceHeaders
{
    public const string IdempotencyKey = "Idempotency-Key";

    /// <summary>The API key, with <c>Once:Auth:Mode=ApiKey</c>.</summary>
    public const string ApiKey = "X-Api-Key";
    public const string IdempotentReplayed = "Idempotent-Replayed";
}
