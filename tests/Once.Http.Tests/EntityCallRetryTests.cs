using Once.Abstractions;
using Once.Client;

namespace Once.Http.Tests;

/// <summary>Which failures the API sends again (the ledger makes that safe), and that it stops within its budget.</summary>
public sealed class EntityCallRetryTests
{
    public static TheoryData<string> OutcomeUnknown => new(["timeout", "rejected", "store-unavailable"]);

    [Theory]
    [MemberData(nameof(OutcomeUnknown))]
    public async Task OutcomeUnknown_FailsTwiceThenAnswers_RetriedAndAnswered(string failure)
    {
        var attempts = 0;

        var answer = await EntityCallRetry.WithRetryAsync(
            () => ++attempts <= 2 ? throw Failure(failure) : Task.FromResult("answer"), TimeSpan.FromMinutes(1), CancellationToken.None);

        Assert.Equal(("answer", 3), (answer, attempts));
    }

    [Fact]
    public async Task HandlerFailure_NotRetried()
    {
        var attempts = 0;

        await Assert.ThrowsAsync<EntityProcessingException>(() => EntityCallRetry.WithRetryAsync<string>(
            () => { attempts++; throw new EntityProcessingException("the handler failed"); }, TimeSpan.FromMinutes(1), CancellationToken.None));

        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task ZeroBudget_OneAttemptOnly()
    {
        var attempts = 0;

        await Assert.ThrowsAsync<TimeoutException>(() => EntityCallRetry.WithRetryAsync<string>(
            () => { attempts++; throw new TimeoutException(); }, TimeSpan.Zero, CancellationToken.None));

        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task NeverAnswers_GivesUpWithTheLastFailureOnceTheBudgetIsSpent()
    {
        var attempts = 0;

        await Assert.ThrowsAsync<EntityStoreUnavailableException>(() => EntityCallRetry.WithRetryAsync<string>(
            () => { attempts++; throw new EntityStoreUnavailableException("down"); }, TimeSpan.FromMilliseconds(400), CancellationToken.None));

        Assert.InRange(attempts, 2, 10);
    }

    private static Exception Failure(string name) => name switch
    {
        "timeout" => new TimeoutException("no answer"),
        "rejected" => new SiloUnavailableException("silo unavailable"),
        _ => new EntityStoreUnavailableException("database restarting"),
    };
}
