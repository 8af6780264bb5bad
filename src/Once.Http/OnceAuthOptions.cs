using System.Globalization;

namespace Once.Http;

/// <summary>How callers of the HTTP API are authenticated (section <c>Once:Auth</c>).</summary>
public sealed class OnceAuthOptions
{
    public const string SectionName = "Once:Auth";

    /// <summary>
    /// <c>None</c>, <c>ApiKey</c> or <c>Jwt</c>. Default: none set, which the development server
    /// takes as <c>None</c> and Once.Api refuses (it must be set explicitly).
    /// </summary>
    public AuthMode? Mode { get; set; }

    /// <summary>API keys by name (<c>Once:Auth:ApiKeys:&lt;name&gt;:Key</c> or <c>KeySha256</c>, <c>Scopes</c>, <c>EntityTypes</c>). Default: none.</summary>
    public Dictionary<string, ApiKeyOptions> ApiKeys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Bearer tokens (<c>Once:Auth:Jwt:*</c>). Default: see <see cref="JwtAuthOptions"/>.</summary>
    public JwtAuthOptions Jwt { get; set; } = new();

    /// <summary>Returns the problems with these settings, each naming its setting; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Mode is { } mode && !Enum.IsDefined(mode))
        {
            problems.Add($"{SectionName}:Mode must be None, ApiKey or Jwt (was {mode}).");
        }

        if (Mode == AuthMode.ApiKey)
        {
            if (ApiKeys.Count == 0)
            {
                problems.Add($"{SectionName}:Mode is ApiKey but no key is configured: set {SectionName}:ApiKeys:<name>:Key (or KeySha256) and :Scopes.");
            }

            foreach (var (name, key) in ApiKeys)
            {
                problems.AddRange(key.Validate($"{SectionName}:ApiKeys:{name}"));
            }
        }

        if (Mode == AuthMode.Jwt)
        {
            problems.AddRange(Jwt.Validate($"{SectionName}:Jwt"));
        }

        return problems;
    }
}

/// <summary>How callers prove who they are.</summary>
public enum AuthMode
{
    /// <summary>Nobody is asked: anyone who reaches the port may do everything. Development only.</summary>
    None,

    /// <summary>A key in the header <c>X-Api-Key</c>.</summary>
    ApiKey,

    /// <summary>A bearer token (<c>Authorization: Bearer</c>).</summary>
    Jwt,
}

/// <summary>One API key: the key or its SHA-256, what it may do, and optionally which entity types it may name.</summary>
public sealed class ApiKeyOptions
{
    /// <summary>The key itself (at least 16 characters). Default: none.</summary>
    public string? Key { get; set; }

    /// <summary>The SHA-256 of the key's UTF-8 bytes, in hex, for deployments that do not store the key. Default: none.</summary>
    public string? KeySha256 { get; set; }

    /// <summary>A comma-separated list of <see cref="OnceScopes"/>: send, read, admin, metrics. Default: none.</summary>
    public string Scopes { get; set; } = string.Empty;

    /// <summary>A comma-separated list of the entity types this key may name; empty means every type. Default: empty.</summary>
    public string EntityTypes { get; set; } = string.Empty;

    public IReadOnlyList<string> ScopeList => Split(Scopes);

    public IReadOnlyList<string> EntityTypeList => Split(EntityTypes);

    /// <summary>The SHA-256 of the key, from whichever of the two is set (call after validation).</summary>
    public byte[] Hash() =>
        KeySha256 is { Length: > 0 } hex
            ? Convert.FromHexString(hex)
            : System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Key!));

    internal IEnumerable<string> Validate(string path)
    {
        var hasKey = !string.IsNullOrEmpty(Key);
        var hasHash = !string.IsNullOrEmpty(KeySha256);
        if (hasKey == hasHash)
        {
            yield return $"{path}: set exactly one of Key and KeySha256.";
        }

        if (hasKey && Key!.Length < 16)
        {
            yield return $"{path}:Key must be at least 16 characters.";
        }

        if (hasHash && (KeySha256!.Length != 64 || !KeySha256.All(Uri.IsHexDigit)))
        {
            yield return $"{path}:KeySha256 must be 64 hex digits (the SHA-256 of the key's UTF-8 bytes).";
        }

        if (ScopeList.Count == 0)
        {
            yield return $"{path}:Scopes must name at least one of {string.Join(", ", OnceScopes.All)}.";
        }

        foreach (var scope in ScopeList.Where(s => !OnceScopes.All.Contains(s, StringComparer.Ordinal)))
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"{path}:Scopes: unknown scope '{scope}' (known: {string.Join(", ", OnceScopes.All)}).");
        }
    }

    private static string[] Split(string list) =>
        list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>
/// Bearer tokens: from an authority with discovery (<see cref="Authority"/>), or offline with a
/// symmetric key or a PEM public key; always for this <see cref="Audience"/>.
/// </summary>
public sealed class JwtAuthOptions
{
    /// <summary>The issuer's URL; its signing keys come from its OpenID discovery document. Default: none.</summary>
    public string? Authority { get; set; }

    /// <summary>The issuer a token must name (<c>iss</c>). Default: the authority's.</summary>
    public string? Issuer { get; set; }

    /// <summary>The audience a token must name (<c>aud</c>). Required.</summary>
    public string? Audience { get; set; }

    /// <summary>A shared secret for HS256 tokens (at least 32 characters). Default: none.</summary>
    public string? SigningKey { get; set; }

    /// <summary>A PEM public key (RSA or EC) for RS/ES tokens. Default: none.</summary>
    public string? PublicKeyPem { get; set; }

    /// <summary>Whether the authority must be https. Default: true.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    internal IEnumerable<string> Validate(string path)
    {
        if (string.IsNullOrWhiteSpace(Audience))
        {
            yield return $"{path}:Audience is required.";
        }

        var sources = new[] { Authority, SigningKey, PublicKeyPem }.Count(s => !string.IsNullOrWhiteSpace(s));
        if (sources != 1)
        {
            yield return $"{path}: set exactly one of Authority (discovery), SigningKey (HS256) and PublicKeyPem (RS/ES).";
        }

        if (string.IsNullOrWhiteSpace(Authority) && string.IsNullOrWhiteSpace(Issuer))
        {
            yield return $"{path}:Issuer is required without an Authority.";
        }

        if (!string.IsNullOrEmpty(SigningKey) && SigningKey.Length < 32)
        {
            yield return $"{path}:SigningKey must be at least 32 characters.";
        }

        if (!string.IsNullOrWhiteSpace(Authority) && !Uri.TryCreate(Authority, UriKind.Absolute, out _))
        {
            yield return $"{path}:Authority must be an absolute URL (was '{Authority}').";
        }
    }
}
