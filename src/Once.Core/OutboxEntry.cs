using Once.Abstractions;

namespace Once.Core;

/// <summary>
/// A message waiting in an entity's outbox: written with the state change that emitted it, removed
/// once its target answered with a terminal outcome.
/// </summary>
/// <param name="Envelope">The message, with an id derived from the causing message.</param>
/// <param name="OnRejected">The message type that brings a rejection back to the emitting entity.</param>
/// <param name="Call">For an HTTP effect: the call to make. The envelope then only carries its identity
/// (the effect id, sent as <c>Idempotency-Key</c>) and source.</param>
/// <param name="TraceParent">The W3C <c>traceparent</c> of the span that decided to emit it, when one
/// was traced: the delivery's span links to it.</param>
[GenerateSerializer, Immutable, Alias("once.OutboxEntry")]
public sealed record OutboxEntry(
    [property: Id(0)] MessageEnvelope Envelope,
    [property: Id(1)] string? OnRejected = null,
    [property: Id(2)] HttpEffect? Call = null,
    [property: Id(3)] string? TraceParent = null);
