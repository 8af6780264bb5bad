using Once.Abstractions;

namespace Once.TestSupport;

/// <summary>What a <see cref="GuaranteeWorkload"/> run left: how often each deposit was applied, the errors the producer saw, the final snapshot.</summary>
public sealed record GuaranteeRun(int[] Applied, int ErrorsSeen, EntitySnapshot Snapshot);
