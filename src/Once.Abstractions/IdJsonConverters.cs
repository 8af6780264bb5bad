using System.Text.Json;
using System.Text.Json.Serialization;

namespace Once.Abstractions;

/// <summary>
/// Ids are stored and sent as plain JSON strings (<c>"accounts/alice"</c> for an entity key), and
/// validated when read, so stored state stays readable and a bad value fails loudly.
/// </summary>
internal abstract class StringIdConverter<T> : JsonConverter<T>
{
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString() ?? throw new JsonException($"A {typeof(T).Name} must be a string.");
        try
        {
            return Parse(text);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw new JsonException(e.Message, e);
        }
    }

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(value!.ToString());

    protected abstract T Parse(string text);
}

internal sealed class MessageIdJsonConverter : StringIdConverter<MessageId>
{
    protected override MessageId Parse(string text) => new(text);
}

internal sealed class EntityIdJsonConverter : StringIdConverter<EntityId>
{
    protected override EntityId Parse(string text) => new(text);
}

internal sealed class EntityTypeNameJsonConverter : StringIdConverter<EntityTypeName>
{
    protected override EntityTypeName Parse(string text) => new(text);
}

internal sealed class EntityKeyJsonConverter : StringIdConverter<EntityKey>
{
    protected override EntityKey Parse(string text) => EntityKey.Parse(text);
}
