namespace Once.Http;

/// <summary>The HTTP headers of the API.</summary>
public static class OnceHeaders
{
    public const string IdempotencyKey = "Idempotency-Key";
    public const string IdempotentReplayed = "Idempotent-Replayed";
}
