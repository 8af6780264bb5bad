using Once.Client;

namespace Once.Hosting;

/// <summary>Mutual TLS on a silo's connections (<see cref="TlsSettings"/>).</summary>
public static class OnceSiloTlsExtensions
{
    /// <summary>
    /// Silo-to-silo and gateway connections over TLS: the silo presents its certificate, and accepts a
    /// silo or client only when it presents one that chains to the trust root.
    /// </summary>
    public static ISiloBuilder UseOnceTls(this ISiloBuilder silo, TlsSettings tls)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(tls);
        var (certificate, roots) = OnceTlsExtensions.Load(tls);
        return silo.UseTls(certificate, o => OnceTlsExtensions.Configure(o, roots));
    }
}
