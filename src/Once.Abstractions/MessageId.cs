namespace Once.Abstractions;

/// <summary>
/// The idempotency key of a message: 1 to 255 printable ASCII characters without spaces (0x21-0x7E).
/// Two deliveries with the same id are the same message.
/// </summary>
[GenerateSerializer, Immutable, Alias("once.MessageId")]
[System.Text.Json.Serialization.JsonConverter(typeof(MessageIdJsonConverter))]
public readonly record struct MessageId
{
    public const int MaxLength = 255;

    public MessageId(string value)
    {
        if (!TryValidate(value, out var error))
        {
            throw new ArgumentException(error, nameof(value));
        }

        Value = value;
    }

    [Id(0)]
    public string Value { get; }

    public static bool TryParse(string? value, out MessageId id, out string? error)
    {
        id = default;
        if (!TryValidate(value, out error))
        {
            return false;
        }

        id = new MessageId(value!);
        return true;
    }

    public override string ToString() => Value ?? string.Empty;

    private static bool TryValidate(string? value, out string? error)
    {
        if (string.IsNullOrEmpty(value))
        {
            error = "A message id must not be empty.";
            return false;
        }

        if (value.Length > MaxLength)
        {
            error = $"A message id must be at most {MaxLength} characters long.";
            return false;
        }

        foreach (var c in value)
        {
            if (c < '!' || c > '~')
            {
                error = "A message id may contain only printable ASCII characters without spaces (0x21-0x7E).";
                return false;
            }
        }

        error = null;
        return true;
    }
}
