namespace Once.Abstractions;

/// <summary>The current state of an entity.</summary>
/// <param name="Entity">Which entity.</param>
/// <param name="Version">How many applied messages changed it.</param>
/// <param name="State">Its state as canonical JSON.</param>
[GenerateSerializer, Immutable, Alias("once.EntitySnapshot")]
public sealed record EntitySnapshot(
    [property: Id(0)] EntityKey Entity,
    [property: Id(1)] long Version,
    [property: Id(2)] string State);
