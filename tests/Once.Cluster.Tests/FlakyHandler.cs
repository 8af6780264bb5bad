namespace Once.Cluster.Tests;

/// <summary>
/// An entity type whose handler throws while <see cref="Failing"/> is set, or for the next
/// <see cref="FailuresLeft"/> attempts: a poison or a transiently failing message on demand.
/// </summary>
public sealed class FlakyHandler : EntityHandler<FlakyHandler.Counter>
{
    public const string TypeName = "flaky";

    public FlakyHandler()
        : base(TypeName, new Counter(0))
    {
        On("work", state => Failing || Interlocked.Decrement(ref _failuresLeft) >= 0
            ? throw new InvalidOperationException("the flaky handler failed")
            : Apply(new Counter(state.Count + 1), new Counter(state.Count + 1)));
    }

    private static int _failuresLeft;

    public static bool Failing { get; set; }

    public static int FailuresLeft
    {
        get => Volatile.Read(ref _failuresLeft);
        set => Volatile.Write(ref _failuresLeft, value);
    }

    public sealed record Counter(int Count);
}
