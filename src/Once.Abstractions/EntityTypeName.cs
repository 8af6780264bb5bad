namespace Once.Abstractions;

/// <summary>
/// The name of an entity type, such as <c>accounts</c>: a lowercase letter, then up to 63 lowercase
/// letters, digits or hyphens. Starting with a letter keeps every grain key away from the all-digit
/// key trap.
/// </summary>
[GenerateSerializer, Immutable, Alias("once.EntityTypeName")]
[System.Text.Json.Serialization.JsonConverter(typeof(EntityTypeNameJsonConverter))]
public readonly record struct EntityTypeName
{
    public const int MaxLength = 64;

    public EntityTypeName(string value)
    {
        if (!TryValidate(value, out var error))
        {
            throw new ArgumentException(error, nameof(value));
        }

        Value = value;
    }

    [Id(0)]
    public string Value { get; }

    public static bool TryParse(string? value, out EntityTypeName name, out string? error)
    {
        name = default;
        if (!TryValidate(value, out error))
        {
            return false;
        }

        name = new EntityTypeName(value!);
        return true;
    }

    public override string ToString() => Value ?? string.Empty;

    private static bool TryValidate(string? value, out string? error)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MaxLength || !char.IsAsciiLetterLower(value[0]))
        {
            error = $"An entity type must start with a lowercase letter and be at most {MaxLength} characters long.";
            return false;
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
            {
                error = "An entity type may contain only lowercase letters, digits and hyphens.";
                return false;
            }
        }

        error = null;
        return true;
    }
}
