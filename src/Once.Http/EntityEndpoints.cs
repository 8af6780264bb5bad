using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Once.Abstractions;
using Once.Client;

namespace Once.Http;

/// <summary>
/// The entity API: <c>POST /v1/entities/{type}/{id}/messages</c>, <c>GET /v1/entities/{type}/{id}</c>
/// and <c>GET /v1/entities/{type}/{id}/messages/{messageId}</c>.
/// </summary>
public static partial class EntityEndpoints
{
    public static IEndpointRouteBuilder MapEntityEndpoints(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var entities = app.MapGroup("/v1/entities/{type}/{id}").WithTags("Entities");
        entities.MapPost("/messages", SendAsync).RequireScope(app, OnceScopes.Send)
            .WithName("SendMessage")
            .WithSummary("Processes a message exactly once; a replay with the same Idempotency-Key gets the first answer again.")
            .WithJsonBody<MessageRequest, RouteHandlerBuilder>()
            .Produces<MessageResponse>(StatusCodes.Status200OK)
            .Produces<MessageResponse>(StatusCodes.Status202Accepted)
            .WithProblems(400, 401, 403, 404, 412, 413, 415, 422, 429, 500, 503)
            .WithRequestHeader(OnceHeaders.IdempotencyKey, required: true, "The message id: the entity applies each id once and answers a replay from its ledger.")
            .WithRequestHeader("If-Match", required: false, "The entity version this message expects, as an ETag (\"3\"); another version is 412 and changes nothing.")
            .WithResponseHeader("ETag", "The entity's version after the message.", 200, 412, 422)
            .WithResponseHeader(OnceHeaders.IdempotentReplayed, "true when the answer is the recorded one of an earlier delivery.", 200, 202, 412, 422);
        entities.MapGet("/", GetAsync).RequireScope(app, OnceScopes.Read)
            .WithName("GetEntity")
            .WithSummary("Reads an entity's state and version.")
            .Produces<EntityResponse>(StatusCodes.Status200OK)
            .WithProblems(400, 401, 403, 404, 429, 503)
            .WithResponseHeader("ETag", "The entity's version.", 200);
        entities.MapGet("/messages/{**messageId}", GetOutcomeAsync).RequireScope(app, OnceScopes.Read)
            .WithName("GetOutcome")
            .WithSummary("Reads what became of a message id (for a sender whose answer was lost).")
            .Produces<OutcomeResponse>(StatusCodes.Status200OK)
            .WithProblems(400, 401, 403, 404, 429, 503);
        return app;
    }

    private static async Task<IResult> SendAsync(
        string type, string id, HttpRequest request, IGrainFactory grains, EntityTypeDirectory types, ILoggerFactory loggers, IOptions<EntityCallOptions> calls)
    {
        if (await ResolveEntityAsync(type, id, types, request.HttpContext.User, request.HttpContext.RequestAborted) is { } notFound)
        {
            return notFound;
        }

        var entity = new EntityKey(type, id);
        // The envelope is checked here; the message itself by the entity, which answers an invalid one
        // with the same problem and changes nothing.
        var (envelope, error) = await MessageRequestReader.ReadAsync(request, entity);
        if (error is not null)
        {
            return error;
        }

        try
        {
            return new OutcomeResult(await EntityCallRetry.WithRetryAsync(() => grains.SendAsync(envelope!), calls.Value.RetryBudget, request.HttpContext.RequestAborted));
        }
        catch (Exception e) when (e is not OperationCanceledException || !request.HttpContext.RequestAborted.IsCancellationRequested)
        {
            LogSendFailed(loggers.CreateLogger(typeof(EntityEndpoints)), e, entity, envelope!.MessageId);
            var advice = "The outcome of this message is unknown. Send it again with the same Idempotency-Key (it is applied at most once), "
                + $"or ask GET /v1/entities/{entity}/messages/{envelope.MessageId}.";
            return Problems.CallFailed(e, advice);
        }
    }

    private static async Task<IResult> GetAsync(
        string type, string id, HttpResponse response, IGrainFactory grains, EntityTypeDirectory types, IOptions<EntityCallOptions> calls)
    {
        if (await ResolveEntityAsync(type, id, types, response.HttpContext.User, response.HttpContext.RequestAborted) is { } notFound)
        {
            return notFound;
        }

        var entity = new EntityKey(type, id);
        var snapshot = await EntityCallRetry.WithRetryAsync(() => grains.GetEntityAsync(entity), calls.Value.RetryBudget, response.HttpContext.RequestAborted);
        if (snapshot is null)
        {
            return Problems.NotFound($"No message was ever applied to {entity}.");
        }

        response.Headers.ETag = $"\"{snapshot.Version}\"";
        using var state = JsonDocument.Parse(snapshot.State);
        return TypedResults.Ok(new EntityResponse(type, id, snapshot.Version, state.RootElement.Clone()));
    }

    private static async Task<IResult> GetOutcomeAsync(
        string type, string id, string messageId, HttpContext context, IGrainFactory grains, EntityTypeDirectory types, IOptions<EntityCallOptions> calls)
    {
        if (await ResolveEntityAsync(type, id, types, context.User, context.RequestAborted) is { } notFound)
        {
            return notFound;
        }

        var (decoded, pathProblem) = DecodeMessageId(context, type, id, messageId);
        if (pathProblem is not null)
        {
            return Problems.InvalidRequest(pathProblem);
        }

        if (!MessageId.TryParse(decoded, out var parsed, out var problem))
        {
            return Problems.InvalidRequest($"Invalid message id: {problem}");
        }

        var entity = new EntityKey(type, id);
        var outcome = await EntityCallRetry.WithRetryAsync(() => grains.GetOutcomeAsync(entity, parsed), calls.Value.RetryBudget, context.RequestAborted);
        return outcome is null
            ? Problems.NotFound($"{entity} has no record of message {parsed} (never received, or older than the ledger's retention).")
            : TypedResults.Ok(OutcomeResponse.From(outcome));
    }

    /// <summary>
    /// The message id as the request target spells it. Routing works on the normalised path, where
    /// "%2F" stays escaped (so "a%2Fx" could be the id "a/x" or the id "a%2Fx") and dot segments are
    /// gone, so the id is read from the raw target; and the entity must read the same there, or the
    /// two would come from different sources (<c>accounts/./V/messages/K</c> routes to V with the id
    /// K, but its raw target has the id "." and the message "V/messages/K"). Such a path is refused.
    /// </summary>
    private static (string? MessageId, string? Problem) DecodeMessageId(HttpContext context, string type, string id, string routeValue)
    {
        var raw = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(raw) || !raw.StartsWith('/'))
        {
            return routeValue.Contains("%2F", StringComparison.OrdinalIgnoreCase)
                ? (null, "This server cannot decode an escaped '/' (%2F) in a message id; send the '/' unescaped.")
                : (routeValue, null);
        }

        // "", "v1", "entities", type, id, "messages", message id (type and id never contain '/').
        var segments = raw.Split('?', 2)[0].Split('/', 7);
        if (segments.Length == 7
            && Uri.UnescapeDataString(segments[3]) == type
            && Uri.UnescapeDataString(segments[4]) == id
            && Uri.UnescapeDataString(segments[5]) == "messages")
        {
            return (Uri.UnescapeDataString(segments[6]), null);
        }

        return (null, "The path does not name one message plainly: write it as /v1/entities/{type}/{id}/messages/{messageId}, without '.' or '..' segments before the message id.");
    }

    /// <summary>
    /// 403 for an entity type the caller's key may not name, 404 for one the cluster does not run, 400
    /// for a bad entity id, else null.
    /// </summary>
    internal static async Task<IResult?> ResolveEntityAsync(
        string type, string id, EntityTypeDirectory types, System.Security.Claims.ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (!OnceScopes.MayUse(user, type))
        {
            return Problems.Forbidden($"These credentials may not name entities of type '{type}'.");
        }

        var (exists, known) = await types.FindAsync(type, cancellationToken);
        if (!exists)
        {
            return Problems.Make(StatusCodes.Status404NotFound, ProblemTypes.UnknownEntityType, "Unknown entity type.",
                $"There is no entity type '{type}'. Known types: {string.Join(", ", known)}.");
        }

        return EntityId.TryParse(id, out _, out var problem) ? null : Problems.InvalidRequest(problem!);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Entity} message {MessageId}: the cluster call failed; the outcome is unknown to the caller")]
    private static partial void LogSendFailed(ILogger logger, Exception exception, EntityKey entity, MessageId messageId);
}
