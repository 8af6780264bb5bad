namespace Once;

/// <summary>A typed handler's decision: apply a new state with a result, or reject with a reason.</summary>
public readonly record struct Decision<TState>
{
    private Decision(TState? state, object? result, string? rejection)
    {
        State = state;
        Result = result;
        RejectionReason = rejection;
    }

    public TState? State { get; }

    public object? Result { get; }

    public string? RejectionReason { get; }

    public static Decision<TState> Apply(TState state, object result) => new(state, result, null);

    public static Decision<TState> Reject(string reason) => new(default, null, reason);
}
