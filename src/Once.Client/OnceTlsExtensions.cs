using System.Security.Cryptography.X509Certificates;
using Orleans.Connections.Security;

namespace Once.Client;

/// <summary>Mutual TLS on cluster connections (<see cref="TlsSettings"/>).</summary>
public static class OnceTlsExtensions
{
    /// <summary>Connects to the gateways over TLS, presenting this client's certificate and accepting only gateways whose certificate chains to the trust root.</summary>
    public static IClientBuilder UseOnceTls(this IClientBuilder client, TlsSettings tls)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(tls);
        var (certificate, roots) = Load(tls);
        return client.UseTls(certificate, o => Configure(o, roots));
    }

    /// <summary>Loads the certificate and the trust root (checked at start by <see cref="TlsSettings.Validate"/>).</summary>
    internal static (X509Certificate2 Certificate, X509Certificate2Collection Roots) Load(TlsSettings tls) =>
        tls.Validate() is { Count: > 0 } problems
            ? throw new OnceConfigurationException(problems)
            : (tls.LoadCertificate(), tls.LoadTrustRoot());

    /// <summary>Both sides present a certificate, and each accepts the other's only when it chains to the trust root.</summary>
    internal static void Configure(TlsOptions options, X509Certificate2Collection roots)
    {
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        // Silos are reached by address, not by a name in their certificate: trust is the chain to the
        // cluster's own root, which signs nothing else.
        options.RemoteCertificateValidation = (certificate, _, _) => TlsSettings.ChainsTo(certificate, roots, out _);
    }
}
