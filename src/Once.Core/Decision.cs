using Once.Abstractions;

namespace Once.Core;

/// <summary>A typed handler's decision: apply a new state with a result, or reject with a reason.</summary>
public readonly record struct Decision<TState>
{
    private Decision(TState? state, object? result, string? rejection, IReadOnlyList<Emission> emissions)
    {
        State = state;
        Result = result;
        RejectionReason = rejection;
        Emissions = emissions;
    }

    public TState? State { get; }

    public object? Result { get; }

    public string? RejectionReason { get; }

    /// <summary>Messages to other entities that leave with this decision (through the outbox).</summary>
    public IReadOnlyList<Emission> Emissions { get; }

    public static Decision<TState> Apply(TState state, object result) => new(state, result, null, []);

    public static Decision<TState> Reject(string reason) => new(default, null, reason, []);

    /// <summary>Also sends a message to another entity; <paramref name="onRejected"/> names the message
    /// type that brings a rejection back to this entity.</summary>
    public Decision<TState> Emit(EntityKey target, string messageType, object data, string? onRejected = null)
    {
        if (RejectionReason is not null)
        {
            throw new InvalidOperationException("A rejected message emits nothing.");
        }

        var json = System.Text.Json.JsonSerializer.Serialize(data, data.GetType(), OnceJson.Strict);
        return new(State, Result, null, [.. Emissions, new Emission(target, messageType, json, onRejected)]);
    }

    /// <summary>Also makes an HTTP POST of <paramref name="body"/> (as JSON) to <paramref name="url"/>, at least once, with one Idempotency-Key.</summary>
    public Decision<TState> Call(Uri url, object body)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (RejectionReason is not null)
        {
            throw new InvalidOperationException("A rejected message calls nothing.");
        }

        var json = System.Text.Json.JsonSerializer.Serialize(body, body.GetType(), OnceJson.Strict);
        return new(State, Result, null, [.. Emissions, new Emission(default, "http-post", json, Call: new HttpEffect(url.ToString(), json))]);
    }
}
