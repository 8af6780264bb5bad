namespace Once.Core;

/// <summary>What a handler decided: a new state and a result (both canonical JSON), or a rejection.</summary>
public readonly record struct HandlerResult
{
    private HandlerResult(string? state, string? result, string? rejection, IReadOnlyList<Emission>? emissions)
    {
        State = state;
        Result = result;
        RejectionReason = rejection;
        Emissions = emissions ?? [];
    }

    /// <summary>The state after the message; null when rejected.</summary>
    public string? State { get; }

    /// <summary>The small result recorded and returned to the sender; null when rejected.</summary>
    public string? Result { get; }

    /// <summary>The business reason of a rejection, such as <c>insufficient-funds</c>.</summary>
    public string? RejectionReason { get; }

    /// <summary>Messages to other entities, sent through the outbox (applied results only).</summary>
    public IReadOnlyList<Emission> Emissions { get; }

    public bool IsRejected => RejectionReason is not null;

    public static HandlerResult Apply(string state, string result, IReadOnlyList<Emission>? emissions = null) => new(state, result, null, emissions);

    public static HandlerResult Reject(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return new(null, null, reason, null);
    }
}
