using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Once.Abstractions;

namespace Once.Http;

/// <summary>
/// Reads <c>POST /v1/entities/{type}/{id}/messages</c> into an envelope: the body
/// <c>{ "type": "...", "data": { ... }, "producedAt": "..." }</c> (data and producedAt optional),
/// the <c>Idempotency-Key</c> and the optional <c>If-Match</c> header. Every refusal is an
/// <see cref="IResult"/> with problem+json and a specific status. Only the envelope is checked here
/// (ids, headers, body shape, size): the message types and their data are the handlers' to judge, and
/// the handlers run in the silos, which answer an invalid message with the same problem.
/// </summary>
internal static class MessageRequestReader
{
    /// <summary>UTF-8 that throws on bytes it cannot decode instead of replacing them.</summary>
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static async Task<(MessageEnvelope? Envelope, IResult? Error)> ReadAsync(HttpRequest request, EntityKey entity)
    {
        if (!TryReadIdempotencyKey(request, out var messageId, out var error)
            || !TryReadIfMatch(request, out var expectedVersion, out error))
        {
            return (null, error);
        }

        if (UnsupportedBody(request) is { } unsupported)
        {
            return (null, Problems.Make(StatusCodes.Status415UnsupportedMediaType, ProblemTypes.UnsupportedMediaType, "The body is not JSON in UTF-8.", unsupported));
        }

        var (body, bodyError) = await ReadBodyAsync(request);
        if (bodyError is not null)
        {
            return (null, bodyError);
        }

        try
        {
            using var document = JsonDocument.Parse(body!);
            var (envelope, refused) = ReadBody(document.RootElement, entity, messageId, expectedVersion);
            if (refused is not null)
            {
                return (null, refused);
            }

            return (envelope, null);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return (null, Problems.InvalidRequest($"The body is not valid JSON: {e.Message}"));
        }
    }

    private static (MessageEnvelope? Envelope, IResult? Error) ReadBody(JsonElement root, EntityKey entity, MessageId messageId, long? expectedVersion)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return (null, Problems.InvalidRequest("The body must be a JSON object { \"type\": ..., \"data\": { ... } }."));
        }

        string? type = null;
        var data = "{}";
        DateTimeOffset? producedAt = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var member in root.EnumerateObject())
        {
            if (!seen.Add(member.Name))
            {
                return (null, Problems.InvalidRequest($"The member '{member.Name}' appears more than once."));
            }

            switch (member.Name)
            {
                case "type" when member.Value.ValueKind == JsonValueKind.String && member.Value.GetString() is { Length: > 0 } text:
                    type = text;
                    break;
                case "type":
                    return (null, Problems.InvalidRequest("'type' must be a non-empty string naming the message type."));
                case "data" when member.Value.ValueKind == JsonValueKind.Object:
                    data = member.Value.GetRawText();
                    break;
                case "data" when member.Value.ValueKind == JsonValueKind.Null:
                    break;
                case "data":
                    return (null, Problems.InvalidRequest("'data' must be a JSON object."));
                case "producedAt" when member.Value.ValueKind == JsonValueKind.String && ProducerTime.TryParse(member.Value.GetString(), out var at):
                    producedAt = at;
                    break;
                case "producedAt":
                    return (null, Problems.InvalidRequest(
                        "'producedAt' must be an RFC 3339 date and time with an offset, such as \"2026-12-02T10:15:30Z\" or \"2026-12-02T11:15:30.250+01:00\"."));
                default:
                    return (null, Problems.InvalidRequest($"Unknown member '{member.Name}'; the body has 'type', 'data' and optionally 'producedAt'."));
            }
        }

        if (type is null)
        {
            return (null, Problems.InvalidRequest("The body needs a 'type' naming the message type."));
        }

        return (new MessageEnvelope(messageId, entity, type, data, expectedVersion, producedAt), null);
    }

    /// <summary>Why the body's declared type or encoding is not JSON in UTF-8 (JSON or a +json type, no content coding); null when it is.</summary>
    private static string? UnsupportedBody(HttpRequest request)
    {
        const string Expected = "Send the body as JSON in UTF-8 with Content-Type: application/json.";
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || type.MediaType is not { HasValue: true } media)
        {
            return $"The request has no valid Content-Type. {Expected}";
        }

        var json = media.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (media.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && media.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
        if (!json)
        {
            return $"The Content-Type '{media}' is not JSON. {Expected}";
        }

        if (type.Charset is { HasValue: true } charset && !charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        {
            return $"The charset '{charset}' is not supported. {Expected}";
        }

        foreach (var coding in request.Headers.ContentEncoding)
        {
            if (!string.Equals(coding?.Trim(), "identity", StringComparison.OrdinalIgnoreCase))
            {
                return $"The Content-Encoding '{coding}' is not supported; send the body uncompressed.";
            }
        }

        return null;
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

    /// <summary>
    /// Reads the body: at most the size limit (413 beyond it), strict UTF-8 (400 for bytes that are not:
    /// they would otherwise become U+FFFD and be applied), and a body the framing of which breaks off or
    /// is malformed is the client's error (Kestrel's status, 400 or 408), not a failure of this server.
    /// </summary>
    private static async Task<(string? Body, IResult? Error)> ReadBodyAsync(HttpRequest request)
    {
        if (request.ContentLength > MessageLimits.MaxDataBytes)
        {
            return (null, TooLarge());
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

            return length > MessageLimits.MaxDataBytes ? (null, TooLarge()) : (StrictUtf8.GetString(buffer, 0, length), null);
        }
        catch (BadHttpRequestException e)
        {
            return (null, Problems.BadFraming(e));
        }
        catch (IOException e) when (!request.HttpContext.RequestAborted.IsCancellationRequested)
        {
            // Kestrel reports some framing errors this way (a chunk size beyond its range).
            return (null, Problems.InvalidRequest($"The request body could not be read: {e.Message}"));
        }
        catch (DecoderFallbackException e)
        {
            return (null, Problems.InvalidRequest($"The body is not valid UTF-8 (byte {e.Index} of the body cannot be decoded); send JSON encoded as UTF-8."));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static IResult TooLarge() =>
        Problems.Make(StatusCodes.Status413PayloadTooLarge, ProblemTypes.PayloadTooLarge, "The request body is too large.",
            $"The request body must be at most {MessageLimits.MaxDataBytes} bytes.");
}
