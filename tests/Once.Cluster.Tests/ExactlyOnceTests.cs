using static Once.Cluster.Tests.Messages;

using Once.Abstractions;

namespace Once.Cluster.Tests;

[Collection(ClusterCollection.Name)]
public sealed class ExactlyOnceTests(ClusterFixture fixture)
{
    private IClusterClient Client => fixture.Client;

    [Fact]
    public async Task ConcurrentDuplicates_OneKey_AppliedOnceAndAllAnsweredAlike()
    {
        var account = NewAccount();
        var outcomes = await SendConcurrently(Deposit(account, "dup-1", 10m), copies: 40);

        Assert.Single(outcomes, o => !o.Replayed);
        Assert.All(outcomes, o => Assert.Equal((OutcomeStatus.Applied, 1L, "{\"balance\":10,\"limit\":0}"), (o.Status, o.Version, o.Result)));
        Assert.Equal(10m, await BalanceAsync(Client, account));
        Assert.Equal(1, fixture.Storage.StoredWrites(account));
    }

    [Fact]
    public async Task ConcurrentMessages_OneKey_EachAppliedOnceWithItsOwnVersion()
    {
        var account = NewAccount();
        await Client.SendAsync(Deposit(account, "warm", 1m));

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => Client.SendAsync(Deposit(account, $"c-{i}", 1m))));

        Assert.Equal(Enumerable.Range(2, 100).Select(v => (long)v), outcomes.Select(o => o.Version).Order());
        Assert.All(outcomes, o => Assert.Equal((OutcomeStatus.Applied, false), (o.Status, o.Replayed)));
        // How many writes they took depends on how they arrived (this storage answers at once); the
        // native store's tests count the writes, with a database that takes its time.
        Assert.Equal(101m, await BalanceAsync(Client, account));
    }

    [Fact]
    public async Task ConcurrentDuplicates_DedupOff_NegativeControlAppliesEveryCopy()
    {
        var account = NewAccount(ClusterFixture.NoDedupAccounts);
        await SendConcurrently(Deposit(account, "dup-1", 10m), copies: 40);

        Assert.Equal(400m, await BalanceAsync(Client, account));
    }

    [Fact]
    public async Task Duplicate_AfterDeactivation_ReplaysFirstOutcomeFromStorage()
    {
        var account = NewAccount();
        var first = await Client.SendAsync(Deposit(account, "d-1", 25m));
        await Client.SendAsync(Deposit(account, "d-2", 5m));
        await fixture.Cluster.DeactivateAsync(Client.GetEntity(account));

        var replay = await Client.SendAsync(Deposit(account, "d-1", 25m));

        Assert.True(replay.Replayed);
        Assert.Equal(first with { Replayed = true }, replay);
        Assert.Equal(30m, await BalanceAsync(Client, account));
    }

    [Fact]
    public async Task Duplicate_AfterDeactivationDedupOff_NegativeControlAppliesAgain()
    {
        var account = NewAccount(ClusterFixture.NoDedupAccounts);
        await Client.SendAsync(Deposit(account, "d-1", 25m));
        await fixture.Cluster.DeactivateAsync(Client.GetEntity(account));

        await Client.SendAsync(Deposit(account, "d-1", 25m));

        Assert.Equal(50m, await BalanceAsync(Client, account));
    }

    [Fact]
    public async Task ExpectedVersion_Matching_AppliesAndMismatchIsRecordedConflict()
    {
        var account = NewAccount();
        await Client.SendAsync(Deposit(account, "v-1", 10m));

        var stale = await Client.SendAsync(Deposit(account, "v-2", 7m, expectedVersion: 0));
        var matching = await Client.SendAsync(Deposit(account, "v-3", 7m, expectedVersion: 1));
        var staleAgain = await Client.SendAsync(Deposit(account, "v-2", 7m, expectedVersion: 0));

        Assert.Equal((OutcomeStatus.VersionConflict, 1L, 0L), (stale.Status, stale.Version, stale.ExpectedVersion!.Value));
        Assert.Equal((OutcomeStatus.Applied, 2L), (matching.Status, matching.Version));
        Assert.Equal(stale with { Replayed = true }, staleAgain);
        Assert.Equal(17m, await BalanceAsync(Client, account));
    }

    [Fact]
    public async Task SameIdOtherPayload_IsRefusedAndNothingChanges()
    {
        var account = NewAccount();
        await Client.SendAsync(Deposit(account, "p-1", 10m));

        var reused = await Client.SendAsync(Deposit(account, "p-1", 99m));

        Assert.Equal(OutcomeStatus.PayloadMismatch, reused.Status);
        Assert.Equal(10m, await BalanceAsync(Client, account));
        Assert.Equal(1, fixture.Storage.StoredWrites(account));
        Assert.Equal(OutcomeStatus.Applied, (await Client.GetOutcomeAsync(account, new MessageId("p-1")))!.Status);
    }

    [Fact]
    public async Task SameLimitTwice_SecondIsUnchangedAndVersionStays()
    {
        var account = NewAccount();
        var first = await Client.SendAsync(SetLimit(account, "l-1", 50m));
        var second = await Client.SendAsync(SetLimit(account, "l-2", 50m));

        Assert.Equal((OutcomeStatus.Applied, 1L), (first.Status, first.Version));
        Assert.Equal((OutcomeStatus.Unchanged, 1L, first.Result), (second.Status, second.Version, second.Result));
        Assert.Equal(1, (await Client.GetEntityAsync(account))!.Version);
    }

    [Fact]
    public async Task Rejection_IsRecordedAndReplayedEvenAfterFundsArrive()
    {
        var account = NewAccount();
        var rejected = await Client.SendAsync(Withdraw(account, "w-1", 30m));
        await Client.SendAsync(Deposit(account, "d-1", 100m));

        var replay = await Client.SendAsync(Withdraw(account, "w-1", 30m));

        Assert.Equal((OutcomeStatus.Rejected, "insufficient-funds"), (rejected.Status, rejected.Reason));
        Assert.Equal(rejected with { Replayed = true }, replay);
        Assert.Equal(100m, await BalanceAsync(Client, account));
    }

    [Fact]
    public async Task InvalidMessage_GetsTypedErrorAndIsNotRecorded()
    {
        var account = NewAccount();
        var invalid = await Client.SendAsync(new MessageEnvelope(new MessageId("i-1"), account, "deposit", "{\"amount\":-5}"));
        var unknown = await Client.SendAsync(new MessageEnvelope(new MessageId("i-2"), account, "teleport", "{}"));

        Assert.Equal((OutcomeStatus.Invalid, MessageErrors.InvalidData), (invalid.Status, invalid.Reason));
        Assert.Equal((OutcomeStatus.Invalid, MessageErrors.UnknownMessageType), (unknown.Status, unknown.Reason));
        Assert.Null(await Client.GetOutcomeAsync(account, new MessageId("i-1")));
        Assert.Null(await Client.GetEntityAsync(account));
        Assert.Equal(0, fixture.Storage.StoredWrites(account));
    }

    [Fact]
    public async Task MessageForAnotherEntity_IsRefusedByTheGrain()
    {
        var account = NewAccount();
        var other = NewAccount();

        var outcome = await Client.GetEntity(account).SendAsync(Deposit(other, "x-1", 5m));

        Assert.Equal((OutcomeStatus.Invalid, MessageErrors.WrongEntity), (outcome.Status, outcome.Reason));
        Assert.Null(await Client.GetEntityAsync(account));
    }

    [Fact]
    public async Task OutcomeLookup_KnownAndUnknownIds()
    {
        var account = NewAccount();
        var sent = await Client.SendAsync(Deposit(account, "o-1", 3m));

        var known = await Client.GetOutcomeAsync(account, new MessageId("o-1"));
        var unknown = await Client.GetOutcomeAsync(account, new MessageId("o-2"));

        Assert.Equal(sent with { Replayed = true }, known);
        Assert.Null(unknown);
    }

    private async Task<MessageOutcome[]> SendConcurrently(MessageEnvelope envelope, int copies)
    {
        using var start = new SemaphoreSlim(0);
        var sends = Enumerable.Range(0, copies).Select(async _ =>
        {
            await start.WaitAsync();
            return await Client.SendAsync(envelope);
        }).ToArray();
        start.Release(copies);
        return await Task.WhenAll(sends);
    }
}
