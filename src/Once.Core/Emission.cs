using Once.Abstractions;

namespace Once.Core;

/// <summary>
/// A message a handler sends to another entity as part of applying a message. It leaves through the
/// outbox, written in the same state write, and reaches its target at least once with an id derived
/// from the causing message, so the target's ledger applies it once.
/// </summary>
/// <param name="Target">The receiving entity.</param>
/// <param name="MessageType">Its message type.</param>
/// <param name="Data">Its data as JSON.</param>
/// <param name="OnRejected">When set, a rejection by the target comes back to the emitting entity as a
/// message of this type with data <c>{"reason": "..."}</c> (a compensation).</param>
/// <param name="Call">When set, this is an HTTP call to the outside world instead of a message; the
/// target is then the emitting entity itself and only names where the effect came from.</param>
[GenerateSerializer, Immutable, Alias("once.Emission")]
public sealed record Emission(
    [property: Id(0)] EntityKey Target,
    [property: Id(1)] string MessageType,
    [property: Id(2)] string Data,
    [property: Id(3)] string? OnRejected = null,
    [property: Id(4)] HttpEffect? Call = null);
