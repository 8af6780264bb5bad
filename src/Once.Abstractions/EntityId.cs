namespace Once.Abstractions;

/// <summary>The id of one entity within its type: 1 to 128 characters of <c>[A-Za-z0-9._:~-]</c>.</summary>
[GenerateSerializer, Immutable, Alias("once.EntityId")]
[System.Text.Json.Serialization.JsonConverter(typeof(EntityIdJsonConverter))]
public readonly record struct EntityId
{
    public const int MaxLength = 128;

    public EntityId(string value)
    {
        if (!TryValidate(value, out var error))
        {
            throw new ArgumentException(error, nameof(value));
        }

        Value = value;
    }

    [Id(0)]
    public string Value { get; }

    public static bool TryParse(string? value, out EntityId id, out string? error)
    {
        id = default;
        if (!TryValidate(value, out error))
        {
            return false;
        }

        id = new EntityId(value!);
        return true;
    }

    public override string ToString() => Value ?? string.Empty;

    private static bool TryValidate(string? value, out string? error)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MaxLength)
        {
            error = $"An entity id must be 1 to {MaxLength} characters long.";
            return false;
        }

        if (value.All(c => c == '.'))
        {
            // "." and ".." are path segments that HTTP clients remove, so such an entity could never be addressed.
            error = "An entity id must not consist of dots only.";
            return false;
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '~' or '-'))
            {
                error = "An entity id may contain only the characters A-Z, a-z, 0-9 and . _ : ~ -";
                return false;
            }
        }

        error = null;
        return true;
    }
}
