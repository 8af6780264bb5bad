using System.Text.Json;
using Once.Abstractions;

namespace Once.Core;

/// <summary>
/// The business logic of one entity type. Implementations must be deterministic and pure: no clock,
/// no I/O, no randomness; everything they need comes in with the state and the message. Derive from
/// <see cref="EntityHandler{TState}"/> rather than implementing this directly.
/// </summary>
public interface IEntityHandler
{
    /// <summary>The entity type this handler serves.</summary>
    EntityTypeName EntityType { get; }

    /// <summary>The state of an entity no message has changed yet, as canonical JSON.</summary>
    string InitialState { get; }

    /// <summary>The message types this handler accepts.</summary>
    IReadOnlyCollection<string> MessageTypes { get; }

    /// <summary>
    /// Checks a message's data without looking at any state. Returns the parsed message to hand to
    /// <see cref="Handle"/>, or an error: such a message is invalid and is never recorded.
    /// </summary>
    bool TryParse(string messageType, JsonElement data, out object? message, out MessageError? error);

    /// <summary>Applies a parsed message to a state (canonical JSON) and decides.</summary>
    HandlerResult Handle(string state, string messageType, object? message);
}
