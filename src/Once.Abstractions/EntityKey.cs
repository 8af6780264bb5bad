namespace Once.Abstractions;

/// <summary>
/// Names one entity: its type and its id. The grain key is <c>{type}/{id}</c>; the type always starts
/// with a letter, so no key is ever all digits.
/// </summary>
[GenerateSerializer, Immutable, Alias("once.EntityKey")]
[System.Text.Json.Serialization.JsonConverter(typeof(EntityKeyJsonConverter))]
public readonly record struct EntityKey(
    [property: Id(0)] EntityTypeName Type,
    [property: Id(1)] EntityId Id)
{
    public EntityKey(string type, string id)
        : this(new EntityTypeName(type), new EntityId(id))
    {
    }

    /// <summary>Parses a grain key of the form <c>{type}/{id}</c>.</summary>
    public static EntityKey Parse(string grainKey)
    {
        var slash = grainKey.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            throw new FormatException($"'{grainKey}' is not an entity key of the form type/id.");
        }

        return new EntityKey(grainKey[..slash], grainKey[(slash + 1)..]);
    }

    public override string ToString() => $"{Type}/{Id}";
}
