using System.Collections;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Once.Core;

/// <summary>
/// Turns System.Text.Json's refusal of message data into what the sender needs: the member (as
/// <c>data.amount</c>) and what it must be. The parser's own texts name .NET types and byte
/// positions, which mean nothing to a sender and expose the handler's internals.
/// </summary>
internal static partial class DataErrorText
{
    public static string Describe(JsonException exception, Type dataType)
    {
        var member = MemberPath(exception.Path);
        if (MissingRequired().Match(exception.Message) is { Success: true } missing)
        {
            var names = missing.Groups["names"].Captures.Select(c => $"'{member}.{c.Value}'");
            return $"The data lacks the required member {string.Join(", ", names)}.";
        }

        if (exception.Message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
        {
            return $"'{member}' is not a member of this message type's data.";
        }

        return ExpectedKind(dataType, exception.Path) is { } kind
            ? $"'{member}' must be {kind}."
            : $"'{member}' does not hold a value of the kind this message type needs.";
    }

    /// <summary>"$.amount" is "data.amount"; the data itself is "data".</summary>
    private static string MemberPath(string? path) =>
        path is { Length: > 1 } && path[0] == '$' ? "data" + path[1..] : "data";

    /// <summary>What the member at a path of plain names must hold, from the data type's JSON contract; null when the path is not that simple.</summary>
    private static string? ExpectedKind(Type dataType, string? path)
    {
        if (path is null || !path.StartsWith("$.", StringComparison.Ordinal))
        {
            return null;
        }

        var type = dataType;
        foreach (var name in path[2..].Split('.'))
        {
            var property = OnceJson.Strict.GetTypeInfo(type).Properties.FirstOrDefault(p => p.Name == name);
            if (property is null)
            {
                return null;
            }

            type = property.PropertyType;
        }

        return Kind(Nullable.GetUnderlyingType(type) ?? type);
    }

    private static string Kind(Type type) => type switch
    {
        _ when type == typeof(string) => "a string",
        _ when type == typeof(bool) => "true or false",
        _ when type == typeof(decimal) || type == typeof(double) || type == typeof(float) => "a number",
        _ when type == typeof(int) || type == typeof(long) || type == typeof(short) || type == typeof(byte) => "a whole number",
        _ when type == typeof(DateTimeOffset) || type == typeof(DateTime) => "a date and time (a string)",
        _ when type == typeof(Guid) => "a GUID (a string)",
        _ when type.IsEnum => "a string naming one of its values",
        _ when typeof(IEnumerable).IsAssignableFrom(type) => "an array",
        _ => "an object",
    };

    [GeneratedRegex(@"missing required properties including: (?:'(?<names>[^']+)'(?:, )?)+", RegexOptions.CultureInvariant)]
    private static partial Regex MissingRequired();
}
