using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;
using Once.Client;

namespace Once.Http;

/// <summary>
/// Authentication of the HTTP API (<c>Once:Auth</c>): API keys or JWTs, and a policy per scope
/// (<see cref="OnceScopes"/>) that <see cref="OnceHttpExtensions.UseOnceHttp"/> puts on every endpoint
/// but the health checks. Without it (or with <c>Mode=None</c>) the API is open.
/// </summary>
public static partial class OnceAuthExtensions
{
    /// <summary>
    /// Reads <c>Once:Auth</c> and sets up its mode. <paramref name="defaultMode"/> is the mode when none
    /// is set; null means it must be set (Once.Api: running open must be a decision). Throws
    /// <see cref="OnceConfigurationException"/> on bad or missing settings.
    /// </summary>
    public static OnceAuthOptions AddOnceAuth(this IHostApplicationBuilder builder, AuthMode? defaultMode)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var auth = Load(builder.Configuration);
        auth.Mode ??= defaultMode ?? throw new OnceConfigurationException([
            $"{OnceAuthOptions.SectionName}:Mode is not set. Set ApiKey or Jwt, or None to run this API without authentication (anyone who reaches it may send, read and requeue)."]);
        builder.Services.Replace(ServiceDescriptor.Singleton(auth));
        switch (auth.Mode)
        {
            case AuthMode.ApiKey:
                builder.Services.AddAuthentication(ApiKeyAuthentication.SchemeName)
                    .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, _ => { });
                AddScopePolicies(builder.Services, ApiKeyAuthentication.SchemeName);
                break;
            case AuthMode.Jwt:
                builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
                    .AddJwtBearer(o => ConfigureJwt(o, auth.Jwt));
                AddScopePolicies(builder.Services, JwtBearerDefaults.AuthenticationScheme);
                break;
            default:
                builder.Services.AddHostedService<OpenAccessWarning>();
                break;
        }

        return auth;
    }

    /// <summary>Whether the API asks callers who they are (<c>ApiKey</c> or <c>Jwt</c>).</summary>
    public static bool IsSecured(IServiceProvider services) =>
        services.GetService<OnceAuthOptions>() is { Mode: AuthMode.ApiKey or AuthMode.Jwt };

    /// <summary>Requires the scope on this endpoint when the API is secured.</summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder endpoint, IEndpointRouteBuilder app, string scope)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(app);
        return IsSecured(app.ServiceProvider) ? endpoint.RequireAuthorization(scope) : endpoint;
    }

    /// <summary>The 403 text: which scope the endpoint needs.</summary>
    internal static string MissingScope(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<IAuthorizeData>()?.Policy is { } scope
            ? $"This request needs the scope '{scope}', which these credentials are not granted."
            : "These credentials are not granted what this request needs.";

    private static OnceAuthOptions Load(IConfiguration configuration)
    {
        var auth = new OnceAuthOptions();
        try
        {
            OnceOptions.BindStrictly(configuration.GetSection(OnceAuthOptions.SectionName), auth);
        }
        catch (InvalidOperationException e)
        {
            throw new OnceConfigurationException([OnceOptions.Explain(e.Message)]);
        }

        var problems = auth.Validate();
        return problems.Count == 0 ? auth : throw new OnceConfigurationException(problems);
    }

    private static void AddScopePolicies(IServiceCollection services, string scheme) =>
        services.AddAuthorization(o =>
        {
            foreach (var scope in OnceScopes.All)
            {
                o.AddPolicy(scope, policy => policy
                    .AddAuthenticationSchemes(scheme)
                    .RequireAuthenticatedUser()
                    .RequireAssertion(context => OnceScopes.Has(context.User, scope)));
            }
        });

    private static void ConfigureJwt(JwtBearerOptions options, JwtAuthOptions jwt)
    {
        // Claims keep their names (scope, scp, sub), as the token has them.
        options.MapInboundClaims = false;
        options.RequireHttpsMetadata = jwt.RequireHttpsMetadata;
        options.Authority = jwt.Authority;
        options.Audience = jwt.Audience;
        options.TokenValidationParameters = new TokenValidationParameters
        {
            ValidateIssuer = true,
            ValidIssuer = jwt.Issuer,
            ValidateAudience = true,
            ValidAudience = jwt.Audience,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            ClockSkew = TimeSpan.FromSeconds(30),
            IssuerSigningKey = SigningKey(jwt),
        };
        options.Events = new JwtBearerEvents
        {
            OnChallenge = async context =>
            {
                context.HandleResponse();
                context.Response.Headers.WWWAuthenticate = context.AuthenticateFailure is null
                    ? "Bearer"
                    : "Bearer error=\"invalid_token\"";
                await Problems.Unauthorized(context.AuthenticateFailure is null
                    ? "This API needs a bearer token: send it as Authorization: Bearer <token>."
                    : "The bearer token is not valid (signature, issuer, audience or lifetime).").ExecuteAsync(context.HttpContext);
            },
            OnForbidden = context => Problems.Forbidden(MissingScope(context.HttpContext)).ExecuteAsync(context.HttpContext),
        };
    }

    private static SecurityKey? SigningKey(JwtAuthOptions jwt)
    {
        if (!string.IsNullOrEmpty(jwt.SigningKey))
        {
            return new SymmetricSecurityKey(Encoding.UTF8.GetBytes(jwt.SigningKey));
        }

        if (string.IsNullOrWhiteSpace(jwt.PublicKeyPem))
        {
            return null;
        }

        // An EC key (ES256...) or else an RSA key (RS256...), both as "BEGIN PUBLIC KEY" PEM.
        var ec = ECDsa.Create();
        try
        {
            ec.ImportFromPem(jwt.PublicKeyPem);
            return new ECDsaSecurityKey(ec);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            ec.Dispose();
        }

        var rsa = RSA.Create();
        rsa.ImportFromPem(jwt.PublicKeyPem);
        return new RsaSecurityKey(rsa);
    }

    private sealed partial class OpenAccessWarning(ILogger<OpenAccessWarning> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            LogOpen(logger);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        [LoggerMessage(Level = LogLevel.Warning, Message = "Once:Auth:Mode is None: the HTTP API asks nobody who they are; anyone who reaches it may send, read and requeue. Set Once:Auth:Mode=ApiKey or Jwt outside development.")]
        private static partial void LogOpen(ILogger logger);
    }
}
