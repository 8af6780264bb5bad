namespace Once.Postgres.Tests.Stores;

/// <summary>A clock that stands still at a time the test chose.</summary>
internal sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
