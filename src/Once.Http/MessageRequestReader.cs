using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Once.Http;

/// <summary>
/// Reads <c>POST /v1/entities/{type}/{id}/messages</c> into an envelope: the body
/// <c>{ "type": "...", "data": { ... }, "producedAt": "..." }</c> (data and producedAt optional),
/// the <c>Idempotency-Key</c> and the optional <c>If-Match</c> header. Every refusal is an
/// <see cref="IResult"/> with problem+json and a specific status. Given a catalog, the message is also
/// checked against it on the body as parsed here, so this hop parses the data once and leaves the
/// canonical form and the fingerprint to the entity.
/// </summary>
internal static class MessageRequestReader
{
    /// <summary>The data of a message sent without any: <c>{}</c>.</summary>
    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    public static async Task<(MessageEnvelope? Envelope, IResult? Error)> ReadAsync(HttpRequest request, EntityKey entity, EntityCatalog? check = null)
    {
        if (!TryReadIdempotencyKey(request, out var messageId, out var error)
            || !TryReadIfMatch(request, out var expectedVersion, out error))
        {
            return (null, error);
        }

        var body = await ReadBodyAsync(request);
        if (body is null)
        {
            return (null, Problems.Make(StatusCodes.Status413PayloadTooLarge, ProblemTypes.PayloadTooLarge, "The request body is too large.",
                $"The request body must be at most {MessageLimits.MaxDataBytes} bytes."));
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            var (envelope, data, refused) = ReadBody(document.RootElement, entity, messageId, expectedVersion);
            if (refused is not null)
            {
                return (null, refused);
            }

            if (check is not null && !check.Check(envelope!, data, out var invalid))
            {
                return (null, Problems.InvalidMessage(invalid!));
            }

            return (envelope, null);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return (null, Problems.InvalidRequest($"The body is not valid JSON: {e.Message}"));
        }
    }

    private static (MessageEnvelope? Envelope, JsonElement Data, IResult? Error) ReadBody(JsonElement root, EntityKey entity, MessageId messageId, long? expectedVersion)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return (null, default, Problems.InvalidRequest("The body must be a JSON object { \"type\": ..., \"data\": { ... } }."));
        }

        string? type = null;
        var data = "{}";
        var parsed = EmptyObject;
        DateTimeOffset? producedAt = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var member in root.EnumerateObject())
        {
            if (!seen.Add(member.Name))
            {
                return (null, default, Problems.InvalidRequest($"The member '{member.Name}' appears more than once."));
            }

            switch (member.Name)
            {
                case "type" when member.Value.ValueKind == JsonValueKind.String && member.Value.GetString() is { Length: > 0 } text:
                    type = text;
                    break;
                case "type":
                    return (null, default, Problems.InvalidRequest("'type' must be a non-empty string naming the message type."));
                case "data" when member.Value.ValueKind == JsonValueKind.Object:
                    data = member.Value.GetRawText();
                    parsed = member.Value;
                    break;
                case "data" when member.Value.ValueKind == JsonValueKind.Null:
                    break;
                case "data":
                    return (null, default, Problems.InvalidRequest("'data' must be a JSON object."));
                case "producedAt" when member.Value.ValueKind == JsonValueKind.String
                    && DateTimeOffset.TryParse(member.Value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at):
                    producedAt = at;
                    break;
                case "producedAt":
                    return (null, default, Problems.InvalidRequest("'producedAt' must be an ISO 8601 date and time with an offset."));
                default:
                    return (null, default, Problems.InvalidRequest($"Unknown member '{member.Name}'; the body has 'type', 'data' and optionally 'producedAt'."));
            }
        }

        if (type is null)
        {
            return (null, default, Problems.InvalidRequest("The body needs a 'type' naming the message type."));
        }

        return (new MessageEnvelope(messageId, entity, type, data, expectedVersion, producedAt), parsed, null);
    }

    private static bool TryReadIdempotencyKey(HttpRequest request, out MessageId messageId, out IResult? error)
    {
        messageId = default;
        var values = request.Headers[OnceHeaders.IdempotencyKey];
        if (values.Count != 1)
        {
            error = Problems.InvalidRequest(values.Count == 0
                ? "The Idempotency-Key header is required."
                : "Send exactly one Idempotency-Key header.");
            return false;
        }

        if (!MessageId.TryParse(values[0], out messageId, out var problem))
        {
            error = Problems.InvalidRequest($"Invalid Idempotency-Key: {problem}");
            return false;
        }

        error = null;
        return true;
    }

    private static bool TryReadIfMatch(HttpRequest request, out long? expectedVersion, out IResult? error)
    {
        expectedVersion = null;
        error = null;
        var values = request.Headers.IfMatch;
        if (values.Count == 0)
        {
            return true;
        }

        var text = values.Count == 1 ? values[0]!.Trim() : string.Empty;
        if (text.Length >= 3 && text[0] == '"' && text[^1] == '"'
            && long.TryParse(text.AsSpan(1, text.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            expectedVersion = version;
            return true;
        }

        error = Problems.InvalidRequest("If-Match must be one entity version in quotes, such as \"3\".");
        return false;
    }

    /// <summary>Reads at most the size limit; null when the body is larger.</summary>
    private static async Task<string?> ReadBodyAsync(HttpRequest request)
    {
        if (request.ContentLength > MessageLimits.MaxDataBytes)
        {
            return null;
        }

        // One byte over the limit tells a body that is too large; the buffer is rented, not allocated per request.
        var buffer = ArrayPool<byte>.Shared.Rent(MessageLimits.MaxDataBytes + 1);
        try
        {
            var length = 0;
            int read;
            while (length <= MessageLimits.MaxDataBytes
                && (read = await request.Body.ReadAsync(buffer.AsMemory(length, MessageLimits.MaxDataBytes + 1 - length), request.HttpContext.RequestAborted)) > 0)
            {
                length += read;
            }

            return length > MessageLimits.MaxDataBytes ? null : Encoding.UTF8.GetString(buffer, 0, length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
