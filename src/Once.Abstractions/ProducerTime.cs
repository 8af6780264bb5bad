using System.Globalization;
using System.Text.RegularExpressions;

namespace Once.Abstractions;

/// <summary>
/// The producer timestamp of a message (<c>producedAt</c>): read strictly as an RFC 3339 date-time
/// with an offset, and refused when it lies further in the future than the allowed clock skew. A
/// timestamp far ahead would otherwise, once its id is pruned, lift the ledger floor past every later
/// message and have them all refused as expired.
/// </summary>
public static partial class ProducerTime
{
    /// <summary>
    /// Reads <c>2026-12-02T10:15:30Z</c>, <c>2026-12-02t10:15:30.123456789+01:00</c> and the like: date,
    /// time and offset all present. Fractions beyond the 100 ns that a <see cref="DateTimeOffset"/> holds
    /// are cut off. Anything else (a date alone, a time without offset, other notations) is false.
    /// </summary>
    public static bool TryParse(string? text, out DateTimeOffset value)
    {
        value = default;
        if (text is null || Rfc3339().Match(text) is not { Success: true } match)
        {
            return false;
        }

        var fraction = match.Groups["fraction"].Value;
        var normalised = string.Concat(
            match.Groups["date"].Value, "T", match.Groups["time"].Value,
            fraction.Length > 8 ? fraction[..8] : fraction,
            match.Groups["offset"].Value.ToUpperInvariant());
        return DateTimeOffset.TryParse(normalised, CultureInfo.InvariantCulture, DateTimeStyles.None, out value);
    }

    /// <summary>The refusal of a producer time later than <paramref name="now"/> plus <paramref name="maxSkew"/>; null when it is fine or absent.</summary>
    public static MessageError? Check(DateTimeOffset? producedAt, DateTimeOffset now, TimeSpan maxSkew) =>
        producedAt is { } at && at - now > maxSkew
            ? new MessageError(MessageErrors.ProducedInFuture,
                $"'producedAt' ({at:O}) is more than {maxSkew} ahead of this server's clock ({now:O}); send the time the message was produced.")
            : null;

    /// <summary>
    /// A ledger floor no later than <paramref name="now"/> plus <paramref name="maxSkew"/>. A floor past
    /// that can only come from a producer time stored before producer times were bounded (one message
    /// stamped 9999 lifted it, and every later message with a producer time was refused as expired);
    /// no id recorded since can claim more, so lowering such a floor to this bound loses nothing.
    /// </summary>
    public static DateTimeOffset? CapFloor(DateTimeOffset? floor, DateTimeOffset now, TimeSpan maxSkew) =>
        floor is { } f && f - now > maxSkew ? now + maxSkew : floor;

    [GeneratedRegex(@"^(?<date>\d{4}-\d{2}-\d{2})[Tt](?<time>\d{2}:\d{2}:\d{2})(?<fraction>\.\d{1,9})?(?<offset>[Zz]|[+-]\d{2}:\d{2})\z", RegexOptions.CultureInvariant)]
    private static partial Regex Rfc3339();
}
