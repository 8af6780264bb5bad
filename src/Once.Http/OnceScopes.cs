using System.Security.Claims;

namespace Once.Http;

/// <summary>
/// What a caller of the HTTP API may do. An API key's scopes come from its configuration, a JWT's
/// from its <c>scope</c> (space-separated) or <c>scp</c> claim.
/// </summary>
public static class OnceScopes
{
    /// <summary>POST <c>/v1/entities/.../messages</c> and POST <c>/v1/streams/...</c>.</summary>
    public const string Send = "send";

    /// <summary>GET entities and outcomes.</summary>
    public const string Read = "read";

    /// <summary>Everything under <c>/v1/dead-letters</c>.</summary>
    public const string Admin = "admin";

    /// <summary>GET <c>/metrics</c>.</summary>
    public const string Metrics = "metrics";

    /// <summary>The claim an API key restricted to some entity types carries, once per type.</summary>
    public const string EntityTypeClaim = "once:entity-type";

    public static IReadOnlyList<string> All { get; } = [Send, Read, Admin, Metrics];

    /// <summary>Whether the caller was granted <paramref name="scope"/>.</summary>
    public static bool Has(ClaimsPrincipal user, string scope)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.FindAll(c => c.Type is "scope" or "scp")
            .SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Contains(scope, StringComparer.Ordinal);
    }

    /// <summary>Whether the caller may name entities of this type: always, unless its key lists the types it may.</summary>
    public static bool MayUse(ClaimsPrincipal user, string entityType)
    {
        ArgumentNullException.ThrowIfNull(user);
        var allowed = user.FindAll(EntityTypeClaim).Select(c => c.Value).ToList();
        return allowed.Count == 0 || allowed.Contains(entityType, StringComparer.Ordinal);
    }
}
