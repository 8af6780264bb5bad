using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Once.Client;

/// <summary>
/// TLS between silos and between clients and gateways (section <c>Once:Tls</c>), mutual: every
/// process presents a certificate, and a peer is accepted only when its certificate chains to
/// <see cref="TrustRoot"/>. Silos and their clients must agree: a plaintext peer cannot connect to a
/// TLS silo, nor a TLS peer to a plaintext one.
/// </summary>
public sealed class TlsSettings
{
    private const string Section = "Once:Tls";

    /// <summary>Whether every cluster connection is TLS; the other settings are then required. Default: false.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// This process's certificate: a PEM file (its key in <see cref="Key"/>, or in the same file) or a
    /// PKCS#12 file (<c>.pfx</c>/<c>.p12</c>, opened with <see cref="Password"/>). Default: none.
    /// </summary>
    public string? Certificate { get; set; }

    /// <summary>The certificate's private key, a PEM file (encrypted when <see cref="Password"/> is set). Default: none.</summary>
    public string? Key { get; set; }

    /// <summary>The password of a PKCS#12 file or an encrypted PEM key. Default: none.</summary>
    public string? Password { get; set; }

    /// <summary>The CA certificate(s), PEM, that every peer's certificate must chain to; the system's roots are not trusted. Default: none.</summary>
    public string? TrustRoot { get; set; }

    /// <summary>Returns the problems with these settings, each naming its setting; empty when valid (or off).</summary>
    public IReadOnlyList<string> Validate()
    {
        if (!Enabled)
        {
            return [];
        }

        var problems = new List<string>();
        RequireFile(problems, nameof(Certificate), Certificate);
        RequireFile(problems, nameof(TrustRoot), TrustRoot);
        if (!string.IsNullOrWhiteSpace(Key) && !File.Exists(Key))
        {
            problems.Add($"{Section}:Key names '{Key}', which does not exist.");
        }

        if (problems.Count > 0)
        {
            return problems;
        }

        try
        {
            using var certificate = LoadCertificate();
            var roots = LoadTrustRoot();
            if (!certificate.HasPrivateKey)
            {
                problems.Add($"{Section}:Certificate '{Certificate}' has no private key: set {Section}:Key to its key file.");
            }
            else if (!ChainsTo(certificate, roots, out var status))
            {
                problems.Add($"{Section}:Certificate '{Certificate}' ({certificate.Subject}) does not chain to {Section}:TrustRoot '{TrustRoot}': {status}.");
            }
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            problems.Add($"{Section}: the certificate '{Certificate}', its key or the trust root '{TrustRoot}' cannot be read: {e.Message}");
        }

        return problems;
    }

    /// <summary>This process's certificate with its private key.</summary>
    public X509Certificate2 LoadCertificate()
    {
        var path = Certificate ?? throw new InvalidOperationException($"{Section}:Certificate is not set.");
        if (path.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".p12", StringComparison.OrdinalIgnoreCase))
        {
            return X509CertificateLoader.LoadPkcs12FromFile(path, Password);
        }

        using var pem = string.IsNullOrEmpty(Password)
            ? X509Certificate2.CreateFromPemFile(path, Key)
            : X509Certificate2.CreateFromEncryptedPemFile(path, Password, Key);
        // A key imported from PEM is ephemeral; TLS wants one the platform can hand to its TLS stack.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>The certificates peers must chain to.</summary>
    public X509Certificate2Collection LoadTrustRoot()
    {
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(TrustRoot ?? throw new InvalidOperationException($"{Section}:TrustRoot is not set."));
        return roots.Count > 0 ? roots : throw new CryptographicException($"'{TrustRoot}' holds no PEM certificate.");
    }

    /// <summary>Whether the certificate chains to one of <paramref name="roots"/> alone (no system roots), with why not.</summary>
    public static bool ChainsTo(X509Certificate2 certificate, X509Certificate2Collection roots, out string status)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(roots);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        // Throwaway cluster CAs publish no revocation lists; a compromised certificate is replaced with its CA.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        var valid = chain.Build(certificate);
        status = valid ? "valid" : string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Distinct());
        return valid;
    }

    private static void RequireFile(List<string> problems, string setting, string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            problems.Add($"{Section}:{setting} is required when {Section}:Enabled is true.");
        }
        else if (!File.Exists(path))
        {
            problems.Add($"{Section}:{setting} names '{path}', which does not exist.");
        }
    }
}
