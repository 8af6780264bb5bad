using System.Text.Json;

namespace Once.Http;

/// <summary>The body of a message, as <c>POST /v1/entities/{type}/{id}/messages</c> and <c>POST /v1/streams/{type}/{id}</c> take it.</summary>
/// <param name="Type">The message type, one the entity type knows (e.g. <c>deposit</c>).</param>
/// <param name="Data">The message's data, an object; optional when the type needs none.</param>
/// <param name="ProducedAt">When the producer made it (RFC 3339 with an offset); optional.</param>
internal sealed record MessageRequest(string Type, JsonElement? Data, DateTimeOffset? ProducedAt);

/// <summary>The body of a processed message (200): the outcome as recorded; a replay gets the same body.</summary>
/// <param name="Status"><c>applied</c> or <c>unchanged</c>.</param>
/// <param name="MessageId">The <c>Idempotency-Key</c> it was sent with.</param>
/// <param name="Version">The entity's version after it.</param>
/// <param name="Result">What the entity answered (its handler's result), or null.</param>
internal sealed record MessageResponse(string Status, string MessageId, long Version, JsonElement? Result);

/// <summary>The body of <c>GET /v1/dead-letters</c>: one page, oldest first, and how many there are in all.</summary>
internal sealed record DeadLetterListResponse(IReadOnlyList<DeadLetterItemResponse> Items, int Total, int Offset, int Limit);

/// <summary>One dead letter: which message, why, from where (<c>stream</c>, <c>outbox</c>, <c>webhook</c> or <c>queue</c>), after how many attempts.</summary>
internal sealed record DeadLetterItemResponse(
    string Id, string Entity, string MessageId, string MessageType, string Reason, string Source, int Attempts, DateTimeOffset DeadLetteredAt);

/// <summary>The body of a requeued HTTP effect (202): it is back in its entity's outbox.</summary>
internal sealed record RequeuedResponse(string Status, string Id);
