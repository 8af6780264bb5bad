namespace Once.Abstractions;

/// <summary>
/// A call to the outside world a handler asks for: an HTTP POST of a JSON body. It leaves through the
/// outbox like an emitted message and is sent at least once, always with the same
/// <c>Idempotency-Key</c> (the effect id derived from the causing message), so the receiver can
/// deduplicate it.
/// </summary>
[GenerateSerializer, Immutable, Alias("once.HttpEffect")]
public sealed record HttpEffect(
    [property: Id(0)] string Url,
    [property: Id(1)] string Body);
