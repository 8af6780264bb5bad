using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Once.Abstractions;
using Once.Client;

namespace Once.Http;

/// <summary>
/// <c>GET /v1/dead-letters?offset=0&amp;limit=50</c> lists messages set aside, oldest first;
/// <c>POST /v1/dead-letters/{id}/requeue</c> sends one to its entity again (its ledger still
/// deduplicates) and answers with the outcome; it leaves the store once it has a terminal outcome.
/// A dead-lettered HTTP effect goes back into its entity's outbox (<c>202</c>). A requeue that fails
/// (the handler still throws, the cluster does not answer) is a problem+json 500 or 503 and keeps it.
/// </summary>
public static partial class DeadLetterEndpoints
{
    private const int MaxLimit = 500;

    public static IEndpointRouteBuilder MapDeadLetterEndpoints(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var deadLetters = app.MapGroup("/v1/dead-letters").WithTags("Dead letters");
        deadLetters.MapGet("/", ListAsync).RequireScope(app, OnceScopes.Admin)
            .WithName("ListDeadLetters")
            .WithSummary("Lists the messages set aside, oldest first (offset 0 and limit 50 unless given; limit at most 500).")
            .Produces<DeadLetterListResponse>(StatusCodes.Status200OK)
            .WithProblems(400, 401, 403, 429, 503);
        deadLetters.MapPost("/{id}/requeue", RequeueAsync).RequireScope(app, OnceScopes.Admin)
            .WithName("RequeueDeadLetter")
            .WithSummary("Sends a dead letter to its entity again (its ledger still applies it at most once); an HTTP effect goes back into its entity's outbox (202).")
            .Produces<MessageResponse>(StatusCodes.Status200OK)
            .Produces<RequeuedResponse>(StatusCodes.Status202Accepted)
            .WithProblems(400, 401, 403, 404, 412, 422, 429, 500, 503)
            .WithResponseHeader(OnceHeaders.IdempotentReplayed, "true when the entity had already applied the message.", 200, 422);
        return app;
    }

    private static async Task<IResult> ListAsync([FromServices] IGrainFactory grains, string? offset, string? limit)
    {
        if (!TryReadNumber(offset, 0, 0, int.MaxValue, out var from))
        {
            return Problems.InvalidRequest($"'offset' must be a whole number, 0 or more (was '{offset}').");
        }

        if (!TryReadNumber(limit, 50, 1, MaxLimit, out var count))
        {
            return Problems.InvalidRequest($"'limit' must be a whole number from 1 to {MaxLimit} (was '{limit}').");
        }

        var page = await grains.GetGrain<IDeadLetterGrain>(IDeadLetterGrain.Key).ListAsync(from, count);
        return TypedResults.Ok(new DeadLetterListResponse(
            [.. page.Items.Select(d => new DeadLetterItemResponse(
                d.Id, d.Envelope.Entity.ToString(), d.Envelope.MessageId.Value, d.Envelope.MessageType, d.Reason, d.Source, d.Attempts, d.DeadLetteredAt))],
            page.Total,
            from,
            count));
    }

    /// <summary>A query value read as a whole number in range (its default when absent); the binder's own refusal names .NET types.</summary>
    private static bool TryReadNumber(string? text, int absent, int min, int max, out int value)
    {
        if (text is null)
        {
            value = absent;
            return true;
        }

        return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out value)
            && value >= min && value <= max;
    }

    private static async Task<IResult> RequeueAsync(
        string id, HttpContext context, [FromServices] IGrainFactory grains, [FromServices] ILoggerFactory loggers, [FromServices] IOptions<EntityCallOptions> calls)
    {
        var store = grains.GetGrain<IDeadLetterGrain>(IDeadLetterGrain.Key);
        var deadLetter = await store.GetAsync(id);
        if (deadLetter is null)
        {
            return Problems.NotFound($"There is no dead letter '{id}'.");
        }

        var envelope = deadLetter.Envelope;
        try
        {
            if (deadLetter.Call is not null)
            {
                // An HTTP effect goes back into its entity's outbox and is sent again with the same key;
                // the entity removes the dead letter itself, before its dispatcher can set it aside again.
                return await grains.GetEntityAdmin(envelope.Entity).RequeueEffectAsync(id)
                    ? TypedResults.Accepted((string?)null, new RequeuedResponse("requeued", id))
                    : Problems.NotFound($"There is no dead letter '{id}'.");
            }

            // Removed only once the entity has a terminal outcome for it: a failing requeue keeps it.
            var outcome = await EntityCallRetry.WithRetryAsync(() => grains.SendAsync(envelope), calls.Value.RetryBudget, context.RequestAborted);
            if (outcome.IsTerminal || outcome.Status == OutcomeStatus.Accepted)
            {
                await store.RemoveAsync(id);
            }

            return new OutcomeResult(outcome);
        }
        catch (Exception e) when (e is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
        {
            // The handler still fails (or the cluster did not answer): the dead letter stays, to requeue later.
            LogRequeueFailed(loggers.CreateLogger(typeof(DeadLetterEndpoints)), e, envelope.Entity, envelope.MessageId, id);
            var advice = $"The dead letter '{id}' is kept; requeue it again once the cause is fixed (the entity's ledger still applies it at most once).";
            return Problems.CallFailed(e, advice);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Entity} message {MessageId}: requeue of dead letter {DeadLetterId} failed; it is kept")]
    private static partial void LogRequeueFailed(ILogger logger, Exception exception, EntityKey entity, MessageId messageId, string deadLetterId);
}
