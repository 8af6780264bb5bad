using System.Text.Json;
using Once.Abstractions;

namespace Once.Http;

/// <summary>The body of <c>GET /v1/entities/{type}/{id}/messages/{messageId}</c>: the recorded outcome.</summary>
public sealed record OutcomeResponse(
    string MessageId,
    string Status,
    long Version,
    JsonElement? Result,
    string? Reason,
    long? ExpectedVersion,
    DateTimeOffset? FirstSeenAt)
{
    internal static OutcomeResponse From(MessageOutcome outcome)
    {
        JsonElement? result = null;
        if (outcome.Result is not null)
        {
            using var document = JsonDocument.Parse(outcome.Result);
            result = document.RootElement.Clone();
        }

        return new OutcomeResponse(
            outcome.MessageId.Value, outcome.Status.ToWireName(), outcome.Version, result, outcome.Reason, outcome.ExpectedVersion, outcome.FirstSeenAt);
    }
}
