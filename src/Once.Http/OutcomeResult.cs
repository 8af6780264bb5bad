using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Once.Abstractions;

namespace Once.Http;

/// <summary>
/// The HTTP answer to a message. Status code, ETag and body depend only on the outcome as recorded,
/// so a replay gets exactly the first response again (plus <c>Idempotent-Replayed: true</c>).
/// </summary>
internal sealed class OutcomeResult(MessageOutcome outcome) : IResult
{
    private const string ProblemJson = "application/problem+json";

    public int StatusCode => outcome.Status switch
    {
        OutcomeStatus.Applied or OutcomeStatus.Unchanged => StatusCodes.Status200OK,
        OutcomeStatus.Accepted => StatusCodes.Status202Accepted,
        OutcomeStatus.VersionConflict => StatusCodes.Status412PreconditionFailed,
        OutcomeStatus.Rejected or OutcomeStatus.PayloadMismatch or OutcomeStatus.Expired => StatusCodes.Status422UnprocessableEntity,
        _ => outcome.Reason == MessageErrors.UnknownEntityType ? StatusCodes.Status404NotFound : StatusCodes.Status400BadRequest,
    };

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCode;
        if (outcome.IsTerminal)
        {
            response.Headers.ETag = $"\"{outcome.Version}\"";
        }

        if (outcome.Replayed)
        {
            response.Headers[OnceHeaders.IdempotentReplayed] = "true";
        }

        var body = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(body))
        {
            if (outcome.Status is OutcomeStatus.Applied or OutcomeStatus.Unchanged or OutcomeStatus.Accepted)
            {
                response.ContentType = "application/json";
                WriteSuccess(json);
            }
            else
            {
                response.ContentType = ProblemJson;
                WriteProblem(json);
            }
        }

        // With its length known, the response leaves in one write, head and body together; without
        // it, HTTP/1.1 would frame the body as chunks and end it with a second write.
        response.ContentLength = body.WrittenCount;
        await response.Body.WriteAsync(body.WrittenMemory, httpContext.RequestAborted);
    }

    private void WriteSuccess(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteString("status", outcome.Status.ToWireName());
        json.WriteString("messageId", outcome.MessageId.Value);
        if (outcome.Status != OutcomeStatus.Accepted)
        {
            json.WriteNumber("version", outcome.Version);
            json.WritePropertyName("result");
            json.WriteRawValue(outcome.Result ?? "null");
        }

        json.WriteEndObject();
    }

    private void WriteProblem(Utf8JsonWriter json)
    {
        var (type, title, detail) = outcome.Status switch
        {
            OutcomeStatus.Rejected => (ProblemTypes.Rejected, "The message was rejected.", $"The entity refused the message: {outcome.Reason}."),
            OutcomeStatus.VersionConflict => (ProblemTypes.VersionConflict, "The entity is not at the expected version.",
                $"The message expected version {outcome.ExpectedVersion}, the entity was at version {outcome.Version}; nothing was changed."),
            OutcomeStatus.PayloadMismatch => (ProblemTypes.IdempotencyKeyReused, "The Idempotency-Key was already used for another message.",
                outcome.Detail ?? string.Empty),
            OutcomeStatus.Expired => (ProblemTypes.MessageExpired, "The message is older than the entity's retained history.", outcome.Detail ?? string.Empty),
            _ when outcome.Reason == MessageErrors.UnknownEntityType => (ProblemTypes.UnknownEntityType, "Unknown entity type.", outcome.Detail ?? string.Empty),
            _ => (ProblemTypes.InvalidMessage, "The message is invalid.", outcome.Detail ?? string.Empty),
        };

        json.WriteStartObject();
        json.WriteString("type", type);
        json.WriteString("title", title);
        json.WriteNumber("status", StatusCode);
        json.WriteString("detail", detail);
        json.WriteString("messageId", outcome.MessageId.Value);
        if (outcome.Reason is not null)
        {
            json.WriteString("reason", outcome.Reason);
        }

        if (outcome.Status == OutcomeStatus.VersionConflict)
        {
            json.WriteNumber("expectedVersion", outcome.ExpectedVersion ?? 0);
            json.WriteNumber("currentVersion", outcome.Version);
        }
        else if (outcome.Status != OutcomeStatus.Invalid)
        {
            json.WriteNumber("version", outcome.Version);
        }

        json.WriteEndObject();
    }
}
