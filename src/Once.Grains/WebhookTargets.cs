using System.Net;
using System.Net.Sockets;

namespace Once.Grains;

/// <summary>
/// Which webhook targets a silo may contact (<see cref="WebhookOptions"/>): the scheme and host are
/// checked before a request is made, the addresses a name resolves to when the connection is opened.
/// </summary>
internal sealed class WebhookTargets(WebhookOptions options)
{
    /// <summary>Why the URL may not be called, or null when its scheme and host are allowed.</summary>
    public string? Refusal(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (url.Scheme != Uri.UriSchemeHttps && !(options.AllowHttp && url.Scheme == Uri.UriSchemeHttp))
        {
            return options.AllowHttp
                ? $"{url.Scheme}:// is not sent; only http:// and https:// are."
                : $"{url.Scheme}:// is not sent: only https:// is, unless {WebhookOptions.SectionName}:AllowHttp is set.";
        }

        var host = url.IdnHost.TrimEnd('.');
        if (!options.AllowedHosts.Any(pattern => Matches(pattern, host)))
        {
            return options.AllowedHosts.Count == 0
                ? $"no webhook host is allowed ({WebhookOptions.SectionName}:AllowedHosts is empty)."
                : $"the host '{host}' is not in {WebhookOptions.SectionName}:AllowedHosts.";
        }

        return null;
    }

    /// <summary>Why the address may not be connected to, or null when it may.</summary>
    public string? Refusal(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return options.AllowPrivateNetworks || IsPublic(address)
            ? null
            : $"{address} is a loopback, private or link-local address, refused unless {WebhookOptions.SectionName}:AllowPrivateNetworks is set.";
    }

    /// <summary>A host name, an IP address or <c>*.</c> followed by a host name.</summary>
    public static bool IsValidPattern(string? pattern) =>
        !string.IsNullOrWhiteSpace(pattern)
        && Uri.CheckHostName(pattern.StartsWith("*.", StringComparison.Ordinal) ? pattern[2..] : pattern) != UriHostNameType.Unknown;

    private static bool Matches(string pattern, string host) =>
        pattern.StartsWith("*.", StringComparison.Ordinal)
            ? host.EndsWith(pattern[1..], StringComparison.OrdinalIgnoreCase) && host.Length > pattern.Length - 1
            : string.Equals(pattern.TrimEnd('.'), host, StringComparison.OrdinalIgnoreCase)
              || (IPAddress.TryParse(pattern, out var a) && IPAddress.TryParse(host, out var b) && a.Equals(b));

    /// <summary>Whether the address lies outside loopback, private, shared, link-local, unspecified and multicast ranges.</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return !(b[0] == 0                                  // 0.0.0.0/8: "this network"
                || b[0] == 10                                   // 10.0.0.0/8
                || b[0] == 127                                  // loopback
                || (b[0] == 100 && (b[1] & 0xC0) == 64)         // 100.64.0.0/10: shared (carrier-grade NAT)
                || (b[0] == 169 && b[1] == 254)                 // link-local (cloud metadata services live here)
                || (b[0] == 172 && (b[1] & 0xF0) == 16)         // 172.16.0.0/12
                || (b[0] == 192 && b[1] == 168)                 // 192.168.0.0/16
                || b[0] >= 224);                                // multicast, reserved, broadcast
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        var v6 = address.GetAddressBytes();
        return !(IPAddress.IsLoopback(address)
            || address.Equals(IPAddress.IPv6None)
            || address.IsIPv6LinkLocal
            || address.IsIPv6SiteLocal
            || address.IsIPv6Multicast
            || (v6[0] & 0xFE) == 0xFC);                         // fc00::/7: unique local
    }
}
