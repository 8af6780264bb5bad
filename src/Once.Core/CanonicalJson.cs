using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Once.Core;

/// <summary>
/// Canonical JSON: object members sorted by ordinal name, no insignificant whitespace, one escaping
/// of strings, and numbers written in one form (<c>1.50</c>, <c>1.5</c> and <c>15e-1</c> are the same
/// number). Two documents that mean the same thing have the same canonical text, so fingerprints and
/// "did the state change" comparisons do not depend on how a client formatted its JSON.
/// Duplicate member names are refused: such a document has no single meaning.
/// </summary>
public static class CanonicalJson
{
    private const int MaxDepth = 64;

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        SkipValidation = true,
    };

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = MaxDepth };

    /// <summary>Parses JSON text and returns its canonical form, or an error for malformed JSON.</summary>
    public static bool TryCanonicalize(string json, out string canonical, out string? error)
    {
        canonical = string.Empty;
        try
        {
            using var document = JsonDocument.Parse(json, DocumentOptions);
            canonical = Canonicalize(document.RootElement);
            error = null;
            return true;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a string holding a lone surrogate ("\ud800") has no text value.
            error = e.Message;
            return false;
        }
    }

    /// <summary>The canonical text of a parsed element. Throws <see cref="JsonException"/> on duplicate members.</summary>
    public static string Canonicalize(JsonElement element)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            Write(writer, element);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// Throws exactly where <see cref="Canonicalize"/> would (duplicate members, numbers out of
    /// range), in the same order, without building the text.
    /// </summary>
    public static void CheckCanonicalizable(JsonElement element) => Write(null, element);

    /// <summary>Writes the canonical form of an element; with no writer, only walks it as writing would.</summary>
    private static void Write(Utf8JsonWriter? writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                WriteObject(writer, element);
                break;
            case JsonValueKind.Array:
                writer?.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    Write(writer, item);
                }

                writer?.WriteEndArray();
                break;
            case JsonValueKind.String:
                var text = element.GetString();
                writer?.WriteStringValue(text);
                break;
            case JsonValueKind.Number:
                var number = CanonicalNumber(element);
                writer?.WriteRawValue(number, skipInputValidation: true);
                break;
            case JsonValueKind.True:
                writer?.WriteBooleanValue(true);
                break;
            case JsonValueKind.False:
                writer?.WriteBooleanValue(false);
                break;
            default:
                writer?.WriteNullValue();
                break;
        }
    }

    private static void WriteObject(Utf8JsonWriter? writer, JsonElement element)
    {
        var members = new List<JsonProperty>();
        foreach (var member in element.EnumerateObject())
        {
            members.Add(member);
        }

        members.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        writer?.WriteStartObject();
        for (var i = 0; i < members.Count; i++)
        {
            if (i > 0 && members[i].Name == members[i - 1].Name)
            {
                throw new JsonException($"The member '{members[i].Name}' appears more than once in one object.");
            }

            writer?.WritePropertyName(members[i].Name);
            Write(writer, members[i].Value);
        }

        writer?.WriteEndObject();
    }

    /// <summary>
    /// Returns the first number in the element that a decimal cannot hold exactly (more than 28
    /// significant digits, or out of range), or null. Typed handlers read numbers as decimals, and a
    /// silently rounded amount would be a different message than the one sent.
    /// </summary>
    public static string? FindInexactDecimal(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var member in element.EnumerateObject())
                {
                    if (FindInexactDecimal(member.Value) is { } inexact)
                    {
                        return inexact;
                    }
                }

                return null;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    if (FindInexactDecimal(item) is { } inexact)
                    {
                        return inexact;
                    }
                }

                return null;
            case JsonValueKind.Number:
                var raw = element.GetRawText();
                return element.TryGetDecimal(out var value)
                    && NormalizeNumber(value.ToString(CultureInfo.InvariantCulture)) == NormalizeNumber(raw) ? null : raw;
            default:
                return null;
        }
    }

    private static string CanonicalNumber(JsonElement number) => NormalizeNumber(number.GetRawText());

    /// <summary>
    /// One spelling per numeric value, computed exactly from the text (no rounding through a binary
    /// or decimal type): <c>1.50</c>, <c>1.5</c> and <c>15e-1</c> all become <c>1.5</c>.
    /// </summary>
    internal static string NormalizeNumber(string text)
    {
        var negative = text.StartsWith('-');
        var rest = negative ? text[1..] : text;
        long exponent = 0;
        var e = rest.IndexOfAny(['e', 'E']);
        if (e >= 0)
        {
            if (!long.TryParse(rest[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out exponent)
                || Math.Abs(exponent) > 1_000_000_000)
            {
                throw new JsonException($"The number {text} is out of range.");
            }

            rest = rest[..e];
        }

        var dot = rest.IndexOf('.', StringComparison.Ordinal);
        if (dot >= 0)
        {
            exponent -= rest.Length - dot - 1;
            rest = string.Concat(rest.AsSpan(0, dot), rest.AsSpan(dot + 1));
        }

        var digits = rest.TrimStart('0');
        if (digits.Length == 0)
        {
            return "0";
        }

        var significant = digits.TrimEnd('0');
        exponent += digits.Length - significant.Length;
        string body;
        if (exponent >= 0 && significant.Length + exponent <= 40)
        {
            body = significant + new string('0', (int)exponent);
        }
        else if (exponent < 0 && exponent >= -40)
        {
            var point = significant.Length + (int)exponent;
            body = point > 0
                ? string.Concat(significant.AsSpan(0, point), ".", significant.AsSpan(point))
                : "0." + new string('0', -point) + significant;
        }
        else
        {
            body = significant + "E" + exponent.ToString(CultureInfo.InvariantCulture);
        }

        return negative ? "-" + body : body;
    }
}
