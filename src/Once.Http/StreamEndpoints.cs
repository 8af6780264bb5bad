using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Once.Abstractions;
using Once.Client;

namespace Once.Http;

/// <summary>
/// <c>POST /v1/streams/{type}/{id}</c>: the same body and Idempotency-Key rules as the direct
/// endpoint, validated the same way at ingress, then enqueued on the entity's stream and answered
/// <c>202 Accepted</c>. The outcome is read later at the <c>Location</c> it names.
/// </summary>
public static partial class StreamEndpoints
{
    public static IEndpointRouteBuilder MapStreamEndpoints(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPost("/v1/streams/{type}/{id}", PublishAsync).RequireScope(app, OnceScopes.Send)
            .WithTags("Streams")
            .WithName("PublishMessage")
            .WithSummary("Queues a message on the entity's durable stream; the entity applies it exactly once, later.")
            .WithJsonBody<MessageRequest, RouteHandlerBuilder>()
            .Produces<AcceptedResponse>(StatusCodes.Status202Accepted)
            .WithProblems(400, 401, 403, 404, 413, 415, 429, 503)
            .WithRequestHeader(OnceHeaders.IdempotencyKey, required: true, "The message id: the entity applies each id once.");
        return app;
    }

    private static async Task<IResult> PublishAsync(
        string type,
        string id,
        HttpRequest request,
        [FromServices] EntityTypeDirectory types,
        [FromServices] EntityStreamPublisher publisher,
        [FromServices] ILoggerFactory loggers)
    {
        if (await EntityEndpoints.ResolveEntityAsync(type, id, types, request.HttpContext.User, request.HttpContext.RequestAborted) is { } notFound)
        {
            return notFound;
        }

        var entity = new EntityKey(type, id);
        var (envelope, error) = await MessageRequestReader.ReadAsync(request, entity);
        if (error is not null)
        {
            return error;
        }

        PublishResult published;
        try
        {
            published = await publisher.PublishAsync(envelope!);
        }
        catch (StreamSettingsMismatchException e)
        {
            LogPublishFailed(loggers.CreateLogger(typeof(StreamEndpoints)), e, entity, envelope!.MessageId);
            return Problems.Make(StatusCodes.Status500InternalServerError, ProblemTypes.InternalError, "This server is misconfigured.",
                "This server's stream settings differ from the cluster's, so the message was not enqueued (it would never be processed). " + e.Message);
        }
        catch (Exception e) when (e is not OperationCanceledException || !request.HttpContext.RequestAborted.IsCancellationRequested)
        {
            LogPublishFailed(loggers.CreateLogger(typeof(StreamEndpoints)), e, entity, envelope!.MessageId);
            return Problems.Unavailable("The message may not have been enqueued. Send it again with the same Idempotency-Key: it is applied at most once.");
        }

        if (!published.Accepted)
        {
            return Problems.InvalidMessage(published.Error!);
        }

        var location = $"/v1/entities/{entity}/messages/{Uri.EscapeDataString(envelope!.MessageId.Value)}";
        return TypedResults.Accepted(location, new AcceptedResponse("accepted", envelope.MessageId.Value, location));
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Entity} message {MessageId}: enqueueing on the stream failed")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, EntityKey entity, MessageId messageId);
}
