using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

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
        var entities = app.MapGroup("/v1/entities/{type}/{id}");
        entities.MapPost("/messages", SendAsync);
        entities.MapGet("/", GetAsync);
        entities.MapGet("/messages/{**messageId}", GetOutcomeAsync);
        return app;
    }

    private static async Task<IResult> SendAsync(
        string type, string id, HttpRequest request, IGrainFactory grains, EntityCatalog catalog, ILoggerFactory loggers)
    {
        if (ResolveEntity(type, id, catalog) is { Error: { } notFound })
        {
            return notFound;
        }

        var entity = new EntityKey(type, id);
        // Checked here, so a bad message costs no grain call; the grain validates it for its decision.
        var (envelope, error) = await MessageRequestReader.ReadAsync(request, entity, check: catalog);
        if (error is not null)
        {
            return error;
        }

        try
        {
            return new OutcomeResult(await ClusterCalls.WithRetryAsync(() => grains.SendAsync(envelope!), request.HttpContext.RequestAborted));
        }
        catch (Exception e) when (e is not OperationCanceledException || !request.HttpContext.RequestAborted.IsCancellationRequested)
        {
            LogSendFailed(loggers.CreateLogger(typeof(EntityEndpoints)), e, entity, envelope!.MessageId);
            var advice = "The outcome of this message is unknown. Send it again with the same Idempotency-Key (it is applied at most once), "
                + $"or ask GET /v1/entities/{entity}/messages/{envelope.MessageId}.";
            return Problems.CallFailed(e, advice);
        }
    }

    private static async Task<IResult> GetAsync(string type, string id, HttpResponse response, IGrainFactory grains, EntityCatalog catalog)
    {
        if (ResolveEntity(type, id, catalog) is { Error: { } notFound })
        {
            return notFound;
        }

        var entity = new EntityKey(type, id);
        var snapshot = await ClusterCalls.WithRetryAsync(() => grains.GetEntityAsync(entity), response.HttpContext.RequestAborted);
        if (snapshot is null)
        {
            return Problems.NotFound($"No message was ever applied to {entity}.");
        }

        response.Headers.ETag = $"\"{snapshot.Version}\"";
        using var state = JsonDocument.Parse(snapshot.State);
        return TypedResults.Ok(new EntityResponse(type, id, snapshot.Version, state.RootElement.Clone()));
    }

    private static async Task<IResult> GetOutcomeAsync(
        string type, string id, string messageId, HttpContext context, IGrainFactory grains, EntityCatalog catalog)
    {
        if (ResolveEntity(type, id, catalog) is { Error: { } notFound })
        {
            return notFound;
        }

        if (DecodeMessageId(context, messageId) is not { } decoded)
        {
            return Problems.InvalidRequest("This server cannot decode an escaped '/' (%2F) in a message id; send the '/' unescaped.");
        }

        if (!MessageId.TryParse(decoded, out var parsed, out var problem))
        {
            return Problems.InvalidRequest($"Invalid message id: {problem}");
        }

        var entity = new EntityKey(type, id);
        var outcome = await ClusterCalls.WithRetryAsync(() => grains.GetOutcomeAsync(entity, parsed), context.RequestAborted);
        return outcome is null
            ? Problems.NotFound($"{entity} has no record of message {parsed} (never received, or older than the ledger's retention).")
            : TypedResults.Ok(OutcomeResponse.From(outcome));
    }

    /// <summary>
    /// Routing leaves "%2F" escaped in the catch-all value (so "a%2Fx" could be the id "a/x" or the id
    /// "a%2Fx"); the raw request target tells them apart. Null when it is unavailable and ambiguous.
    /// </summary>
    private static string? DecodeMessageId(HttpContext context, string routeValue)
    {
        var raw = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget;
        if (!string.IsNullOrEmpty(raw) && raw.StartsWith('/'))
        {
            // "", "v1", "entities", type, id, "messages", message id (type and id never contain '/').
            var segments = raw.Split('?', 2)[0].Split('/', 7);
            if (segments.Length == 7)
            {
                return Uri.UnescapeDataString(segments[6]);
            }
        }

        return routeValue.Contains("%2F", StringComparison.OrdinalIgnoreCase) ? null : routeValue;
    }

    /// <summary>404 for an unknown entity type, 400 for a bad entity id, else no error.</summary>
    internal static (EntityTypeName Type, IResult? Error) ResolveEntity(string type, string id, EntityCatalog catalog)
    {
        if (!EntityTypeName.TryParse(type, out var name, out _) || !catalog.TryGet(name, out _))
        {
            return (default, Problems.Make(StatusCodes.Status404NotFound, ProblemTypes.UnknownEntityType, "Unknown entity type.",
                $"There is no entity type '{type}'. Known types: {string.Join(", ", catalog.Types.Select(t => t.Value).Order(StringComparer.Ordinal))}."));
        }

        if (!EntityId.TryParse(id, out _, out var problem))
        {
            return (name, Problems.InvalidRequest(problem!));
        }

        return (name, null);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Entity} message {MessageId}: the cluster call failed; the outcome is unknown to the caller")]
    private static partial void LogSendFailed(ILogger logger, Exception exception, EntityKey entity, MessageId messageId);
}
