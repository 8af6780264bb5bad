using Once.Abstractions;

namespace Once.Grains;

/// <summary>What the dead-letter grain persists.</summary>
[GenerateSerializer, Alias("once.DeadLetterState")]
public sealed class DeadLetterState
{
    [Id(0)]
    public List<DeadLetter> Items { get; set; } = [];
}
