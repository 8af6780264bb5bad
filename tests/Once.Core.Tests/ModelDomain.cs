using CsCheck;
using Once.Abstractions;

namespace Once.Core.Tests;

/// <summary>
/// An independent reference of one sample domain for the model tests: its rules written again with
/// plain decimals and strings, without the handler, the engine or JSON.
/// </summary>
internal abstract class ModelDomain<TState>
    where TState : IEquatable<TState>
{
    public abstract EntityKey Entity { get; }

    public abstract TState Initial { get; }

    /// <summary>Generates valid message content.</summary>
    public abstract Gen<ModelOp> Op { get; }

    /// <summary>The message data as JSON, written in one of several equivalent spellings.</summary>
    public abstract string Data(ModelOp op, int spelling);

    /// <summary>The business rule: the rejection reason, or null when the message is allowed.</summary>
    public abstract string? Refusal(TState state, ModelOp op);

    /// <summary>The effect of an allowed message.</summary>
    public abstract TState Apply(TState state, ModelOp op);

    /// <summary>Reads the engine's state JSON; null means the initial state.</summary>
    public abstract TState Read(string? json);

    /// <summary>Whether a handler result (JSON) shows the state the reference expects after the message.</summary>
    public abstract bool ResultShows(string result, TState expected);
}
