namespace Once.Abstractions;

/// <summary>
/// Where the entity streams queue (<c>Memory</c> or <c>Postgres</c>) and over how many partitions.
/// A publisher and the silos must agree on both: a message enqueued where no silo reads is never
/// processed.
/// </summary>
[GenerateSerializer, Immutable, Alias("once.StreamSettings")]
public sealed record StreamSettings([property: Id(0)] string Provider, [property: Id(1)] int Partitions)
{
    public override string ToString() => $"{Provider} streams over {Partitions} partitions";
}
