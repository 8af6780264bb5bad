using static Once.Cluster.Tests.Messages;

using Once.Abstractions;

namespace Once.Cluster.Tests;

/// <summary>
/// Storage that fails around the one write. The dangerous case is a write that committed while its
/// caller saw an error: the retry must be answered from the ledger, not applied again.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class StorageFaultTests(ClusterFixture fixture)
{
    private IClusterClient Client => fixture.Client;

    [Fact]
    public async Task CommitThenError_Retry_IsAnsweredFromLedger()
    {
        var account = NewAccount();
        var balance = await DepositThroughFault(account, StorageFault.ThrowAfterWrite);

        Assert.Equal(10m, balance.Value);
        Assert.True(balance.RetryOutcome.Replayed);
        Assert.Equal((OutcomeStatus.Applied, 1L), (balance.RetryOutcome.Status, balance.RetryOutcome.Version));
    }

    [Fact]
    public async Task CommitThenError_DedupOff_NegativeControlAppliesTwice()
    {
        var account = NewAccount(ClusterFixture.NoDedupAccounts);
        var balance = await DepositThroughFault(account, StorageFault.ThrowAfterWrite);

        Assert.Equal(20m, balance.Value);
    }

    [Fact]
    public async Task ErrorBeforeCommit_NothingIsVisibleAndRetryAppliesOnce()
    {
        var account = NewAccount();
        await Client.SendAsync(Deposit(account, "seed", 1m));
        fixture.Storage.Arm(account, StorageFault.ThrowBeforeWrite);

        await AssertInjectedFailure(() => Client.SendAsync(Deposit(account, "m-1", 10m)));
        var afterFailure = await Client.GetEntityAsync(account);
        var outcomeAfterFailure = await Client.GetOutcomeAsync(account, new MessageId("m-1"));
        var retry = await Client.SendAsync(Deposit(account, "m-1", 10m));

        // The failed change must not linger in the activation's memory: it was never durable.
        Assert.Equal((1L, 1m), (afterFailure!.Version, Balance(afterFailure.State)));
        Assert.Null(outcomeAfterFailure);
        Assert.Equal((OutcomeStatus.Applied, 2L, false), (retry.Status, retry.Version, retry.Replayed));
        Assert.Equal(11m, await BalanceAsync(Client, account));
    }

    [Fact]
    public async Task StaleWrite_AnotherActivationCommittedFirst_AnsweredFromFreshLedger()
    {
        var account = NewAccount();
        fixture.Storage.Arm(account, StorageFault.StaleWrite);

        var outcome = await Client.SendAsync(Deposit(account, "m-1", 10m));

        Assert.False(fixture.Storage.IsArmed(account));
        Assert.Equal((OutcomeStatus.Applied, 1L, true), (outcome.Status, outcome.Version, outcome.Replayed));
        Assert.Equal(10m, await BalanceAsync(Client, account));
        Assert.Equal(1, fixture.Storage.StoredState(account)!.Version);
    }

    [Fact]
    public async Task StaleWrite_DedupOff_NegativeControlAppliesTwice()
    {
        var account = NewAccount(ClusterFixture.NoDedupAccounts);
        fixture.Storage.Arm(account, StorageFault.StaleWrite);

        await Client.SendAsync(Deposit(account, "m-1", 10m));

        Assert.Equal(20m, await BalanceAsync(Client, account));
    }

    [Fact]
    public async Task DriverErrorBeforeCommit_CallerGetsStoreUnavailable_RetryAppliesOnce()
    {
        var account = NewAccount();
        fixture.Storage.Arm(account, StorageFault.DriverErrorBeforeWrite);

        var error = await Assert.ThrowsAsync<EntityStoreUnavailableException>(() => Client.SendAsync(Deposit(account, "m-1", 10m)));
        var retry = await Client.SendAsync(Deposit(account, "m-1", 10m));

        Assert.Contains("Injected:", error.Message, StringComparison.Ordinal);
        Assert.Equal((OutcomeStatus.Applied, 1L, false), (retry.Status, retry.Version, retry.Replayed));
        Assert.Equal(10m, await BalanceAsync(Client, account));
    }

    [Fact]
    public async Task DriverErrorAfterCommit_CallerGetsStoreUnavailable_RetryIsAReplay()
    {
        var account = NewAccount();
        fixture.Storage.Arm(account, StorageFault.DriverErrorAfterWrite);

        await Assert.ThrowsAsync<EntityStoreUnavailableException>(() => Client.SendAsync(Deposit(account, "m-1", 10m)));
        var retry = await Client.SendAsync(Deposit(account, "m-1", 10m));

        Assert.Equal((OutcomeStatus.Applied, 1L, true), (retry.Status, retry.Version, retry.Replayed));
        Assert.Equal(10m, await BalanceAsync(Client, account));
    }

    [Fact]
    public async Task HandlerThrowsItsOwnExceptionType_CallerGetsEntityProcessingException_NothingCommitted()
    {
        var entity = new EntityKey(FlakyHandler.TypeName, "f-" + Guid.NewGuid().ToString("N"));
        fixture.Flaky.Failure = () => new HandlerBugException("the handler has a bug");
        fixture.Flaky.FailNext(1);
        try
        {
            var error = await Assert.ThrowsAsync<EntityProcessingException>(() =>
                Client.SendAsync(new MessageEnvelope(new MessageId("w-1"), entity, "work", "{}")));
            var retry = await Client.SendAsync(new MessageEnvelope(new MessageId("w-1"), entity, "work", "{}"));

            Assert.Equal("HandlerBugException: the handler has a bug", error.Message);
            Assert.Equal((OutcomeStatus.Applied, 1L, false), (retry.Status, retry.Version, retry.Replayed));
        }
        finally
        {
            fixture.Flaky.FailNext(0);
            fixture.Flaky.Failure = () => new InvalidOperationException("the flaky handler failed");
        }
    }

    /// <summary>Sends one deposit of 10 whose write fails as armed, then retries it once as a client would.</summary>
    private async Task<(decimal Value, MessageOutcome RetryOutcome)> DepositThroughFault(EntityKey account, StorageFault fault)
    {
        fixture.Storage.Arm(account, fault);
        await AssertInjectedFailure(() => Client.SendAsync(Deposit(account, "m-1", 10m)));
        var retry = await Client.SendAsync(Deposit(account, "m-1", 10m));
        return (await BalanceAsync(Client, account), retry);
    }

    /// <summary>Orleans reports a failed storage write as an OrleansException wrapping the storage's own error.</summary>
    private static async Task AssertInjectedFailure(Func<Task> send)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(send);
        Assert.Contains("Injected:", error.ToString(), StringComparison.Ordinal);
    }
}
