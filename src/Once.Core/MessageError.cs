namespace Once;

/// <summary>Why a message is invalid: a stable code (see <see cref="MessageErrors"/>) and a text for people.</summary>
public sealed record MessageError(string Code, string Detail);
