namespace Once.Abstractions;

/// <summary>A message that could not be processed, kept with its reason until an operator requeues it.</summary>
/// <param name="Id">The dead letter's id, URL-safe and derived from the entity and message id (source <c>queue</c>: from the queue row).</param>
/// <param name="Envelope">The message itself.</param>
/// <param name="Reason">Why it could not be processed.</param>
/// <param name="Source">Where it failed: <c>stream</c> (delivery kept failing), <c>outbox</c> (the target refused it)
/// or <c>queue</c> (the durable stream queue gave up on it before an entity could: expired or out of attempts).</param>
/// <param name="Attempts">How many times processing was tried.</param>
/// <param name="DeadLetteredAt">When it was set aside.</param>
/// <param name="Call">For an HTTP effect (source <c>webhook</c>): the call; the envelope then carries
/// its identity (the effect id) and the entity that emitted it.</param>
[GenerateSerializer, Immutable, Alias("once.DeadLetter")]
public sealed record DeadLetter(
    [property: Id(0)] string Id,
    [property: Id(1)] MessageEnvelope Envelope,
    [property: Id(2)] string Reason,
    [property: Id(3)] string Source,
    [property: Id(4)] int Attempts,
    [property: Id(5)] DateTimeOffset DeadLetteredAt,
    [property: Id(6)] HttpEffect? Call = null);
