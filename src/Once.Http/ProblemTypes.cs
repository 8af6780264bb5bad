namespace Once.Http;

/// <summary>The <c>type</c> members of Once's problem+json bodies (RFC 9457). Clients may rely on them.</summary>
public static class ProblemTypes
{
    public const string Rejected = "urn:once:problem:rejected";
    public const string VersionConflict = "urn:once:problem:version-conflict";
    public const string IdempotencyKeyReused = "urn:once:problem:idempotency-key-reused";
    public const string MessageExpired = "urn:once:problem:message-expired";
    public const string InvalidMessage = "urn:once:problem:invalid-message";
    public const string InvalidRequest = "urn:once:problem:invalid-request";
    public const string UnknownEntityType = "urn:once:problem:unknown-entity-type";
    public const string NotFound = "urn:once:problem:not-found";
    public const string PayloadTooLarge = "urn:once:problem:payload-too-large";
    public const string RequestTimeout = "urn:once:problem:request-timeout";
    public const string UnsupportedMediaType = "urn:once:problem:unsupported-media-type";
    public const string MethodNotAllowed = "urn:once:problem:method-not-allowed";
    public const string MethodNotImplemented = "urn:once:problem:method-not-implemented";
    public const string InternalError = "urn:once:problem:internal-error";
    public const string ProcessingFailed = "urn:once:problem:processing-failed";
    public const string Unavailable = "urn:once:problem:unavailable";
    public const string Unauthorized = "urn:once:problem:unauthorized";
    public const string Forbidden = "urn:once:problem:forbidden";
    public const string RateLimited = "urn:once:problem:rate-limited";
}
