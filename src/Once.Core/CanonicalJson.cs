using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Once;

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
        catch (JsonException e)
        {
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

    private static void Write(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                WriteObject(writer, element);
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            case JsonValueKind.String:
                writer.WriteStringValue(element.GetString());
                break;
            case JsonValueKind.Number:
                writer.WriteRawValue(CanonicalNumber(element), skipInputValidation: true);
                break;
            case JsonValueKind.True:
                writer.WriteBooleanValue(true);
                break;
            case JsonValueKind.False:
                writer.WriteBooleanValue(false);
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }

    private static void WriteObject(Utf8JsonWriter writer, JsonElement element)
    {
        var members = new List<JsonProperty>();
        foreach (var member in element.EnumerateObject())
        {
            members.Add(member);
        }

        members.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        writer.WriteStartObject();
        for (var i = 0; i < members.Count; i++)
        {
            if (i > 0 && members[i].Name == members[i - 1].Name)
            {
                throw new JsonException($"The member '{members[i].Name}' appears more than once in one object.");
            }

            writer.WritePropertyName(members[i].Name);
            Write(writer, members[i].Value);
        }

        writer.WriteEndObject();
    }

    private static string CanonicalNumber(JsonElement number)
    {
        // Decimal keeps every digit a money amount can have; "G29" drops trailing zeros and picks one
        // exponent form. Numbers beyond decimal's range keep their text as written.
        if (number.TryGetDecimal(out var value))
        {
            return value == 0m ? "0" : value.ToString("G29", CultureInfo.InvariantCulture);
        }

        return number.GetRawText();
    }
}
