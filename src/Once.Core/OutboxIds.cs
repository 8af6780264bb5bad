using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Once.Abstractions;

namespace Once.Core;

/// <summary>
/// Ids of emitted messages, derived from what caused them: the same causing message, decided again
/// (after a crash or a lost write), emits the same ids, so the target's ledger deduplicates them.
/// </summary>
public static class OutboxIds
{
    /// <summary><c>o-</c> and 22 base64url characters of SHA-256 over (source entity, causing id, position).</summary>
    public static MessageId Derive(EntityKey source, MessageId causing, int position, string purpose = "emit")
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{purpose}\n{source}\n{causing.Value}\n{position}"), hash);
        return new MessageId("o-" + Base64Url.EncodeToString(hash[..16]));
    }
}
