namespace Once.TestSupport;

/// <summary>An exception type of a user's own, which Orleans cannot serialise: what a handler with a bug may throw.</summary>
public sealed class HandlerBugException(string message) : Exception(message);
