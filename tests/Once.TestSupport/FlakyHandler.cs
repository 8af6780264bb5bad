using Once.Core;

namespace Once.TestSupport;

/// <summary>
/// An entity type whose handler throws while <see cref="Failing"/> is set, or for the next
/// <see cref="FailNext"/> attempts: a poison or a transiently failing message on demand. Each test
/// creates its own instance and gives it to the silos of its own cluster, so the switch of one test
/// cannot reach another (handlers do not see the entity key, so an instance per test is the key).
/// </summary>
public sealed class FlakyHandler : EntityHandler<FlakyHandler.Counter>
{
    public const string TypeName = "flaky";

    private int _failuresLeft;
    private int _failures;
    private volatile bool _failing;

    public FlakyHandler(string typeName = TypeName)
        : base(typeName, new Counter(0))
    {
        On("work", state =>
        {
            if (_failing || Interlocked.Decrement(ref _failuresLeft) >= 0)
            {
                Interlocked.Increment(ref _failures);
                throw Failure();
            }

            return Apply(new Counter(state.Count + 1), new Counter(state.Count + 1));
        });
    }

    /// <summary>What a failing attempt throws. Default: an InvalidOperationException.</summary>
    public Func<Exception> Failure { get; set; } = () => new InvalidOperationException("the flaky handler failed");

    /// <summary>While true, every attempt fails.</summary>
    public bool Failing
    {
        get => _failing;
        set => _failing = value;
    }

    /// <summary>How many attempts have failed so far.</summary>
    public int Failures => Volatile.Read(ref _failures);

    /// <summary>Makes the next <paramref name="attempts"/> attempts fail, then the handler recovers.</summary>
    public void FailNext(int attempts) => Volatile.Write(ref _failuresLeft, attempts);

    public sealed record Counter(int Count);
}
