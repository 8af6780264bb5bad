using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Once.Http;

/// <summary>
/// The <c>ApiKey</c> scheme: the key in <c>X-Api-Key</c> is hashed and compared, in constant time,
/// with the hash of every configured key (all of them, so the time says nothing about which keys
/// exist). Keys are never logged. A caller without a valid key gets <c>401</c> problem+json with
/// <c>WWW-Authenticate: ApiKey</c>, one without the scope <c>403</c>.
/// </summary>
internal sealed class ApiKeyAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, OnceAuthOptions auth)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    private readonly (string Name, byte[] Hash, ApiKeyOptions Key)[] _keys =
        [.. auth.ApiKeys.Select(k => (k.Key, k.Value.Hash(), k.Value))];

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var values = Request.Headers[OnceHeaders.ApiKey];
        if (values.Count == 0)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (values.Count != 1 || string.IsNullOrEmpty(values[0]))
        {
            return Task.FromResult(AuthenticateResult.Fail("Send exactly one X-Api-Key header."));
        }

        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(values[0]!));
        (string Name, byte[] Hash, ApiKeyOptions Key)? match = null;
        foreach (var key in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(presented, key.Hash))
            {
                match = key;
            }
        }

        if (match is not { } found)
        {
            return Task.FromResult(AuthenticateResult.Fail("The API key is not valid."));
        }

        var claims = new List<Claim> { new(ClaimTypes.Name, found.Name) };
        claims.AddRange(found.Key.ScopeList.Select(scope => new Claim("scope", scope)));
        claims.AddRange(found.Key.EntityTypeList.Select(type => new Claim(OnceScopes.EntityTypeClaim, type)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = $"{SchemeName} header=\"{OnceHeaders.ApiKey}\"";
        var detail = Request.Headers.ContainsKey(OnceHeaders.ApiKey)
            ? "The API key is not valid."
            : $"This API needs an API key: send it in the {OnceHeaders.ApiKey} header.";
        await Problems.Unauthorized(detail).ExecuteAsync(Context);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Problems.Forbidden(OnceAuthExtensions.MissingScope(Context)).ExecuteAsync(Context);
}
