using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Once.Abstractions;

namespace Once.Http;

/// <summary>problem+json answers for requests that never reached an entity.</summary>
internal static class Problems
{
    public static ProblemHttpResult Make(int status, string type, string title, string detail) =>
        TypedResults.Problem(detail, statusCode: status, title: title, type: type);

    public static ProblemHttpResult InvalidRequest(string detail) =>
        Make(StatusCodes.Status400BadRequest, ProblemTypes.InvalidRequest, "The request is invalid.", detail);

    public static ProblemHttpResult InvalidMessage(MessageError error) =>
        TypedResults.Problem(
            error.Detail,
            statusCode: error.Code == MessageErrors.UnknownEntityType ? StatusCodes.Status404NotFound : StatusCodes.Status400BadRequest,
            title: "The message is invalid.",
            type: error.Code == MessageErrors.UnknownEntityType ? ProblemTypes.UnknownEntityType : ProblemTypes.InvalidMessage,
            extensions: new Dictionary<string, object?> { ["reason"] = error.Code });

    /// <summary>
    /// The request's framing was broken (a malformed chunk, a body shorter than its Content-Length, a
    /// body that came too slowly): Kestrel's own status for it, 400 or 408.
    /// </summary>
    public static ProblemHttpResult BadFraming(BadHttpRequestException exception) =>
        exception.StatusCode == StatusCodes.Status408RequestTimeout
            ? Make(StatusCodes.Status408RequestTimeout, ProblemTypes.RequestTimeout, "The request body came too slowly.",
                "The request body did not arrive in time; send it again.")
            : Make(exception.StatusCode is >= 400 and < 500 ? exception.StatusCode : StatusCodes.Status400BadRequest, ProblemTypes.InvalidRequest,
                "The request is invalid.", $"The request could not be read: {exception.Message}");

    public static ProblemHttpResult Unauthorized(string detail) =>
        Make(StatusCodes.Status401Unauthorized, ProblemTypes.Unauthorized, "Authentication is required.", detail);

    public static ProblemHttpResult Forbidden(string detail) =>
        Make(StatusCodes.Status403Forbidden, ProblemTypes.Forbidden, "Not allowed.", detail);

    public static ProblemHttpResult NotFound(string detail) =>
        Make(StatusCodes.Status404NotFound, ProblemTypes.NotFound, "Not found.", detail);

    public static ProblemHttpResult Failed(string detail) =>
        Make(StatusCodes.Status500InternalServerError, ProblemTypes.ProcessingFailed, "The entity failed to process the message.", detail);

    public static ProblemHttpResult Unavailable(string detail) =>
        Make(StatusCodes.Status503ServiceUnavailable, ProblemTypes.Unavailable, "The cluster could not answer.", detail);

    /// <summary>
    /// A grain call that threw: timeouts and Orleans errors (storage, an unreachable silo) may pass
    /// (503); anything else is a fault in the entity's handler (500).
    /// </summary>
    public static ProblemHttpResult CallFailed(Exception exception, string detail) =>
        exception is TimeoutException or OrleansException ? Unavailable(detail) : Failed(detail);
}
