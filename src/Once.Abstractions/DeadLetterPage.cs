namespace Once.Abstractions;

/// <summary>One page of dead letters, oldest first, and how many there are in all.</summary>
[GenerateSerializer, Immutable, Alias("once.DeadLetterPage")]
public sealed record DeadLetterPage(
    [property: Id(0)] IReadOnlyList<DeadLetter> Items,
    [property: Id(1)] int Total);
