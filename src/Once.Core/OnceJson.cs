using System.Text.Json;
using System.Text.Json.Serialization;

namespace Once.Core;

/// <summary>The JSON settings of typed states and message data: camelCase and strict.</summary>
public static class OnceJson
{
    /// <summary>camelCase names; unknown members, missing required members, nulls where a value is
    /// required, and numbers in strings are all errors. Null members are not written.</summary>
    public static JsonSerializerOptions Strict { get; } = CreateStrict();

    private static JsonSerializerOptions CreateStrict()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            NumberHandling = JsonNumberHandling.Strict,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            RespectNullableAnnotations = true,
            RespectRequiredConstructorParameters = true,
            PropertyNameCaseInsensitive = false,

            // States and results stay small: optional members that are absent are not written as null.
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
