using Once.Abstractions;

namespace Once.Core;

/// <summary>The answer to a message and the change to commit before giving it (null: nothing to write).</summary>
public sealed record EntityDecision(MessageOutcome Outcome, EntityChange? Change);
