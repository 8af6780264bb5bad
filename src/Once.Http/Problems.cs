using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

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
