namespace Once.Cluster.Tests;

/// <summary>An entity type whose handler throws while <see cref="Failing"/> is set: a poison message on demand.</summary>
public sealed class FlakyHandler : EntityHandler<FlakyHandler.Counter>
{
    public const string TypeName = "flaky";

    public FlakyHandler()
        : base(TypeName, new Counter(0))
    {
        On("work", state => Failing
            ? throw new InvalidOperationException("the flaky handler failed")
            : Apply(new Counter(state.Count + 1), new Counter(state.Count + 1)));
    }

    public static bool Failing { get; set; }

    public sealed record Counter(int Count);
}
