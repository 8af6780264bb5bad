using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Once.Http;

/// <summary>
/// <c>GET /v1/dead-letters?offset=0&amp;limit=50</c> lists messages set aside, oldest first;
/// <c>POST /v1/dead-letters/{id}/requeue</c> sends one to its entity again (its ledger still
/// deduplicates) and answers with the outcome; it leaves the store once it has a terminal outcome.
/// A dead-lettered HTTP effect goes back into its entity's outbox (<c>202</c>).
/// </summary>
public static class DeadLetterEndpoints
{
    private const int MaxLimit = 500;

    public static IEndpointRouteBuilder MapDeadLetterEndpoints(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/v1/dead-letters", ListAsync);
        app.MapPost("/v1/dead-letters/{id}/requeue", RequeueAsync);
        return app;
    }

    private static async Task<IResult> ListAsync([FromServices] IGrainFactory grains, int? offset, int? limit)
    {
        if (offset is < 0 || limit is < 1 or > MaxLimit)
        {
            return Problems.InvalidRequest($"offset must be 0 or more and limit between 1 and {MaxLimit}.");
        }

        var page = await grains.GetGrain<IDeadLetterGrain>(IDeadLetterGrain.Key).ListAsync(offset ?? 0, limit ?? 50);
        return TypedResults.Ok(new
        {
            items = page.Items.Select(d => new
            {
                id = d.Id,
                entity = d.Envelope.Entity.ToString(),
                messageId = d.Envelope.MessageId.Value,
                messageType = d.Envelope.MessageType,
                reason = d.Reason,
                source = d.Source,
                attempts = d.Attempts,
                deadLetteredAt = d.DeadLetteredAt,
            }),
            total = page.Total,
            offset = offset ?? 0,
            limit = limit ?? 50,
        });
    }

    private static async Task<IResult> RequeueAsync(string id, [FromServices] IGrainFactory grains)
    {
        var store = grains.GetGrain<IDeadLetterGrain>(IDeadLetterGrain.Key);
        var deadLetter = await store.GetAsync(id);
        if (deadLetter is null)
        {
            return Problems.NotFound($"There is no dead letter '{id}'.");
        }

        if (deadLetter.Call is { } call)
        {
            // An HTTP effect goes back into its entity's outbox and is sent again with the same key.
            await grains.GetEntity(deadLetter.Envelope.Entity).RequeueEffectAsync(deadLetter.Envelope, call);
            await store.RemoveAsync(id);
            return TypedResults.Accepted((string?)null, new { status = "requeued", id });
        }

        // Removed only once the entity has a terminal outcome for it: a failing requeue keeps it.
        var outcome = await grains.SendAsync(deadLetter.Envelope);
        if (outcome.IsTerminal || outcome.Status == OutcomeStatus.Accepted)
        {
            await store.RemoveAsync(id);
        }

        return new OutcomeResult(outcome);
    }
}
