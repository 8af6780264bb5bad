namespace Once.Abstractions;

/// <summary>Why a message is invalid: a stable code (see <see cref="MessageErrors"/>) and a text for people.</summary>
[GenerateSerializer, Immutable, Alias("once.MessageError")]
public sealed record MessageError([property: Id(0)] string Code, [property: Id(1)] string Detail);
