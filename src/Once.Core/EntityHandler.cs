using System.Text.Json;
using Once.Abstractions;

namespace Once.Core;

/// <summary>
/// Base class for an entity type's handler with a typed state. Register each message type in the
/// constructor with <c>On</c>: a data record (parsed strictly from JSON: unknown members, missing
/// members and wrong types are invalid), an optional check of the data alone, and the pure function
/// <c>(state, data) -> Apply(newState, result) | Reject(reason)</c>.
/// </summary>
public abstract class EntityHandler<TState> : IEntityHandler
    where TState : class
{
    private readonly Dictionary<string, Route> _routes = new(StringComparer.Ordinal);

    protected EntityHandler(string entityType, TState initialState)
    {
        EntityType = new EntityTypeName(entityType);
        InitialState = ToCanonical(initialState);
    }

    public EntityTypeName EntityType { get; }

    public string InitialState { get; }

    public IReadOnlyCollection<string> MessageTypes => _routes.Keys;

    /// <summary>Registers a message type that carries data.</summary>
    /// <param name="messageType">The message type name.</param>
    /// <param name="check">Checks the data alone; returns an error text, or null when valid.</param>
    /// <param name="handle">The pure decision.</param>
    protected void On<TData>(string messageType, Func<TData, string?> check, Func<TState, TData, Decision<TState>> handle)
        where TData : class
    {
        _routes.Add(messageType, new Route(
            data =>
            {
                TData? parsed;
                try
                {
                    parsed = data.Deserialize<TData>(OnceJson.Strict);
                }
                catch (JsonException e)
                {
                    return (null, DataErrorText.Describe(e, typeof(TData)));
                }

                return parsed is null ? (null, "The data must be a JSON object.") : (parsed, check(parsed));
            },
            (state, message) => handle(state, (TData)message!)));
    }

    /// <summary>Registers a message type without data (its data must be an empty object).</summary>
    protected void On(string messageType, Func<TState, Decision<TState>> handle)
    {
        _routes.Add(messageType, new Route(
            data => (null, data.EnumerateObject().Any() ? "This message type takes no data." : null),
            (state, _) => handle(state)));
    }

    protected static Decision<TState> Apply(TState state, object result) => Decision<TState>.Apply(state, result);

    protected static Decision<TState> Reject(string reason) => Decision<TState>.Reject(reason);

    public bool TryParse(string messageType, JsonElement data, out object? message, out MessageError? error)
    {
        message = null;
        if (!_routes.TryGetValue(messageType, out var route))
        {
            error = new MessageError(MessageErrors.UnknownMessageType, $"The entity type '{EntityType}' has no message type '{messageType}'.");
            return false;
        }

        if (data.ValueKind != JsonValueKind.Object)
        {
            error = new MessageError(MessageErrors.InvalidData, "The data must be a JSON object.");
            return false;
        }

        try
        {
            var (parsed, problem) = route.Parse(data);
            if (problem is not null)
            {
                error = new MessageError(MessageErrors.InvalidData, problem);
                return false;
            }

            message = parsed;
            error = null;
            return true;
        }
        catch (JsonException e)
        {
            error = new MessageError(MessageErrors.InvalidData, e.Message);
            return false;
        }
    }

    public HandlerResult Handle(string state, string messageType, object? message)
    {
        var current = JsonSerializer.Deserialize<TState>(state, OnceJson.Strict)
            ?? throw new InvalidOperationException($"The stored state of a '{EntityType}' entity is null.");
        var decision = _routes[messageType].Handle(current, message);
        if (decision.RejectionReason is { } reason)
        {
            return HandlerResult.Reject(reason);
        }

        // A handler often answers with the new state itself: serialise it once.
        var canonicalState = ToCanonical(decision.State!);
        var canonicalResult = ReferenceEquals(decision.Result, decision.State) ? canonicalState : ToCanonical(decision.Result!);
        return HandlerResult.Apply(canonicalState, canonicalResult, decision.Emissions);
    }

    private static string ToCanonical(object value) =>
        CanonicalJson.Canonicalize(JsonSerializer.SerializeToElement(value, value.GetType(), OnceJson.Strict));

    private sealed record Route(
        Func<JsonElement, (object? Message, string? Problem)> Parse,
        Func<TState, object?, Decision<TState>> Handle);
}
