using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Once.Core;

/// <summary>
/// Identifies a message's content: the first 128 bits of SHA-256 over the canonical JSON array
/// <c>[messageType, data, expectedVersion]</c>, base64url-encoded (22 characters). Two deliveries
/// with one id and equal fingerprints are duplicates; with different fingerprints, a reused id.
/// </summary>
public static class Fingerprint
{
    public static string Compute(string messageType, string canonicalData, long? expectedVersion)
    {
        var text = string.Concat(
            "[",
            JsonSerializer.Serialize(messageType),
            ",",
            canonicalData,
            ",",
            expectedVersion?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "null",
            "]");
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), hash);
        return Base64Url.EncodeToString(hash[..16]);
    }
}
