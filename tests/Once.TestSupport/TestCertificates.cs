using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Once.TestSupport;

/// <summary>
/// Throwaway certificate authorities for TLS tests: a CA and certificates it signs, written as PEM
/// files (certificate and PKCS#8 key) into a folder of their own.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private readonly ECDsa _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly X509Certificate2 _ca;

    public TestCertificates(string name)
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("once-tls-").FullName;
        var request = new CertificateRequest($"CN={name}", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        _ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        TrustRoot = Path.Combine(Directory, "ca.pem");
        File.WriteAllText(TrustRoot, _ca.ExportCertificatePem());
    }

    public string Directory { get; }

    /// <summary>The CA's certificate, PEM.</summary>
    public string TrustRoot { get; }

    /// <summary>Issues a certificate for both ends of a connection; returns its certificate and key files.</summary>
    public (string Certificate, string Key) Issue(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(12);
        using var certificate = request.Create(_ca, _ca.NotBefore, _ca.NotAfter.AddDays(-1), serial);
        var (certificatePath, keyPath) = (Path.Combine(Directory, name + ".pem"), Path.Combine(Directory, name + ".key"));
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath);
    }

    public void Dispose()
    {
        _ca.Dispose();
        _caKey.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
