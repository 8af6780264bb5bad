using Once.Abstractions;
using Once.Samples.Accounts;

namespace Once.Core.Tests;

public sealed class EntityEngineTests
{
    [Fact]
    public void Duplicate_SameContent_ReplaysFirstOutcomeAfterEntityMovedOn()
    {
        var driver = new EntityDriver();
        var first = driver.Send(TestDomains.Deposit("m-1", "10"));
        var firstSeen = driver.Now;
        driver.Time.Advance(TimeSpan.FromMinutes(1));
        driver.Send(TestDomains.Deposit("m-2", "5"));
        driver.Time.Advance(TimeSpan.FromMinutes(1));

        var replay = driver.Decide(TestDomains.Deposit("m-1", "10"));

        Assert.Null(replay.Change);
        Assert.Equal(first with { Replayed = true }, replay.Outcome);
        Assert.Equal(OutcomeStatus.Applied, replay.Outcome.Status);
        Assert.Equal(1, replay.Outcome.Version);
        Assert.Equal("""{"balance":10,"limit":0}""", replay.Outcome.Result);
        Assert.True(replay.Outcome.Replayed);
        Assert.Equal(firstSeen, replay.Outcome.FirstSeenAt);
        Assert.Equal(2, driver.Record.Version);
        Assert.Equal((15m, 0m), driver.Account());
    }

    [Fact]
    public void Duplicate_ReformattedJson_ReplayedNotApplied()
    {
        var driver = new EntityDriver();
        var first = driver.Send(TestDomains.Deposit("m-1", "10.5"));

        var replay = driver.Send(TestDomains.AccountMessage("m-1", "deposit", "{ \"amount\" : 1050e-2 }"));

        Assert.Equal(first with { Replayed = true }, replay);
        Assert.Equal((10.5m, 0m), driver.Account());
        Assert.Equal(1, driver.Record.Version);
    }

    [Fact]
    public void FirstDelivery_Outcome_NotReplayedAndStampedWithNow()
    {
        var driver = new EntityDriver();
        driver.Time.Advance(TimeSpan.FromSeconds(42));

        var outcome = driver.Send(TestDomains.Deposit("m-1", "1"));

        Assert.False(outcome.Replayed);
        Assert.Equal(new MessageId("m-1"), outcome.MessageId);
        Assert.Equal(EntityDriver.Start.AddSeconds(42), outcome.FirstSeenAt);
        Assert.True(outcome.IsTerminal);
    }

    [Fact]
    public void SameId_OtherPayload_PayloadMismatchNothingChanges()
    {
        var driver = new EntityDriver();
        var first = driver.Send(TestDomains.Deposit("m-1", "10"));
        var ledgerBefore = driver.Record.LedgerCount;

        var mismatch = driver.Decide(TestDomains.Deposit("m-1", "11"));

        Assert.Null(mismatch.Change);
        Assert.Equal(OutcomeStatus.PayloadMismatch, mismatch.Outcome.Status);
        Assert.Equal(1, mismatch.Outcome.Version);
        Assert.Null(mismatch.Outcome.Result);
        Assert.False(mismatch.Outcome.IsTerminal);
        Assert.Equal(first.FirstSeenAt, mismatch.Outcome.FirstSeenAt);
        Assert.Equal((10m, 0m), driver.Account());
        Assert.Equal(ledgerBefore, driver.Record.LedgerCount);

        // The first message keeps the id: its own redelivery still replays.
        Assert.Equal(first with { Replayed = true }, driver.Send(TestDomains.Deposit("m-1", "10")));
    }

    [Theory]
    [InlineData("withdraw", """{"amount":10}""", null)]
    [InlineData("deposit", """{"amount":10}""", 0L)]
    [InlineData("deposit", """{"amount":10}""", 1L)]
    public void SameId_OtherTypeOrExpectedVersion_PayloadMismatch(string messageType, string data, long? expectedVersion)
    {
        var driver = new EntityDriver();
        driver.Send(TestDomains.Deposit("m-1", "10"));

        var outcome = driver.Send(TestDomains.AccountMessage("m-1", messageType, data) with { ExpectedVersion = expectedVersion });

        Assert.Equal(OutcomeStatus.PayloadMismatch, outcome.Status);
        Assert.Equal((10m, 0m), driver.Account());
        Assert.Equal(1, driver.Record.Version);
    }

    [Fact]
    public void ExpectedVersion_Matches_Applied()
    {
        var driver = new EntityDriver();
        driver.Send(TestDomains.Deposit("m-1", "10", expectedVersion: 0));

        var outcome = driver.Send(TestDomains.Deposit("m-2", "5", expectedVersion: 1));

        Assert.Equal(OutcomeStatus.Applied, outcome.Status);
        Assert.Equal(2, outcome.Version);
        Assert.Equal((15m, 0m), driver.Account());
    }

    [Fact]
    public void ExpectedVersion_Mismatch_VersionConflictRecordedWithCurrentVersion()
    {
        var driver = new EntityDriver();
        driver.Send(TestDomains.Deposit("m-1", "10"));
        var ledgerBefore = driver.Record.LedgerCount;

        var decision = driver.Decide(TestDomains.Deposit("m-2", "5", expectedVersion: 0));

        Assert.Equal(OutcomeStatus.VersionConflict, decision.Outcome.Status);
        Assert.Equal(1, decision.Outcome.Version);
        Assert.Equal(0, decision.Outcome.ExpectedVersion);
        Assert.Null(decision.Outcome.Result);
        Assert.NotNull(decision.Change);
        Assert.Equal(1, decision.Change.Version);
        Assert.Equal(ledgerBefore + 1, driver.Record.LedgerCount);
        Assert.True(driver.Remembers("m-2"));
        Assert.Equal((10m, 0m), driver.Account());
        Assert.Equal(1, driver.Record.Version);
    }

    [Fact]
    public void VersionConflict_RedeliveredWhenVersionWouldMatch_StillReplaysConflict()
    {
        var driver = new EntityDriver();
        var conflict = driver.Send(TestDomains.Deposit("m-2", "5", expectedVersion: 1));
        driver.Send(TestDomains.Deposit("m-1", "10"));
        Assert.Equal(1, driver.Record.Version);

        var replay = driver.Send(TestDomains.Deposit("m-2", "5", expectedVersion: 1));

        Assert.Equal(conflict with { Replayed = true }, replay);
        Assert.Equal(OutcomeStatus.VersionConflict, replay.Status);
        Assert.Equal(0, replay.Version);
        Assert.Equal((10m, 0m), driver.Account());
    }

    [Fact]
    public void Rejection_Redelivered_ReplayedEvenWhenFundsNowSuffice()
    {
        var driver = new EntityDriver();
        var rejected = driver.Send(TestDomains.Withdraw("w-1", "30"));
        Assert.True(driver.Remembers("w-1"));
        driver.Send(TestDomains.Deposit("d-1", "100"));

        var replay = driver.Send(TestDomains.Withdraw("w-1", "30"));

        Assert.Equal(OutcomeStatus.Rejected, replay.Status);
        Assert.Equal(AccountsHandler.InsufficientFunds, replay.Reason);
        Assert.Equal(rejected with { Replayed = true }, replay);
        Assert.Equal((100m, 0m), driver.Account());
        Assert.Equal(1, driver.Record.Version);
    }

    [Fact]
    public void Unchanged_Recorded_VersionAndDataKeptAndReplayed()
    {
        var driver = new EntityDriver();
        driver.Send(TestDomains.SetLimit("l-1", "20"));
        var dataBefore = driver.Record.Data;

        var decision = driver.Decide(TestDomains.SetLimit("l-2", "20"));

        Assert.Equal(OutcomeStatus.Unchanged, decision.Outcome.Status);
        Assert.Equal(1, decision.Outcome.Version);
        Assert.NotNull(decision.Change);
        Assert.Equal(1, decision.Change.Version);
        Assert.Equal(dataBefore, decision.Change.Data);
        Assert.Equal("l-2", decision.Change.Added?.MessageId);
        Assert.Equal(1, driver.Record.Version);
        Assert.Equal(dataBefore, driver.Record.Data);
        Assert.Equal(decision.Outcome with { Replayed = true }, driver.Send(TestDomains.SetLimit("l-2", "20")));
    }

    [Fact]
    public void Applied_Change_CarriesNewVersionDataAndLedgerEntry()
    {
        var driver = new EntityDriver();

        var decision = driver.Decide(TestDomains.Deposit("m-1", "7"));

        var change = Assert.IsType<EntityChange>(decision.Change);
        Assert.Equal(1, change.Version);
        Assert.Equal("""{"balance":7,"limit":0}""", change.Data);
        Assert.Equal(0, change.PrunedCount);
        Assert.Null(change.LedgerFloor);
        var added = Assert.IsType<LedgerEntry>(change.Added);
        Assert.Equal("m-1", added.MessageId);
        Assert.Equal(EntityDriver.Start, added.FirstSeenAt);
        Assert.Equal(OutcomeStatus.Applied, added.Outcome.Status);
    }

    [Fact]
    public void Decide_DoesNotMutateTheRecord_UntilChangeApplied()
    {
        var record = new EntityRecord(new EntityState());
        Assert.True(TestDomains.Catalog.Validate(TestDomains.Deposit("m-1", "3"), out var message, out _));

        var decision = EntityEngine.Decide(record, message!, new LedgerOptions(), EntityDriver.Start);

        Assert.Equal(0, record.Version);
        Assert.Null(record.Data);
        Assert.Equal(0, record.LedgerCount);
        Assert.False(record.TryGetEntry("m-1", out _));

        // Deciding the same message again on the same uncommitted record gives the same decision.
        var again = EntityEngine.Decide(record, message!, new LedgerOptions(), EntityDriver.Start);
        Assert.Equal(decision.Outcome, again.Outcome);
    }

    [Fact]
    public void AtLeastOnce_Duplicate_AppliedAgainWithoutLedger()
    {
        var driver = new EntityDriver();
        var deposit = TestDomains.Deposit("m-1", "10") with { Entity = TestDomains.AtLeastOnceAccount };

        var first = driver.Decide(deposit);
        var second = driver.Decide(deposit);

        Assert.Equal(OutcomeStatus.Applied, first.Outcome.Status);
        Assert.Equal(OutcomeStatus.Applied, second.Outcome.Status);
        Assert.False(second.Outcome.Replayed);
        Assert.Equal(2, second.Outcome.Version);
        Assert.Null(second.Change!.Added);
        Assert.Equal(2, driver.Record.Version);
        Assert.Equal((20m, 0m), driver.Account());
        Assert.Equal(0, driver.Record.LedgerCount);
        Assert.False(driver.Remembers("m-1"));
    }

    [Fact]
    public void AtLeastOnce_ReusedIdOtherPayload_AppliedNotMismatch()
    {
        var driver = new EntityDriver();
        driver.Send(TestDomains.Deposit("m-1", "10") with { Entity = TestDomains.AtLeastOnceAccount });

        var outcome = driver.Send(TestDomains.Deposit("m-1", "1") with { Entity = TestDomains.AtLeastOnceAccount });

        Assert.Equal(OutcomeStatus.Applied, outcome.Status);
        Assert.Equal((11m, 0m), driver.Account());
    }

    [Fact]
    public void AtLeastOnce_UnchangedOrRejected_NoChangeToWrite()
    {
        var driver = new EntityDriver();

        var unchanged = driver.Decide(TestDomains.SetLimit("l-1", "0") with { Entity = TestDomains.AtLeastOnceAccount });
        var rejected = driver.Decide(TestDomains.Withdraw("w-1", "1") with { Entity = TestDomains.AtLeastOnceAccount });
        var conflict = driver.Decide(TestDomains.Deposit("d-1", "1", expectedVersion: 5) with { Entity = TestDomains.AtLeastOnceAccount });

        Assert.Equal(OutcomeStatus.Unchanged, unchanged.Outcome.Status);
        Assert.Null(unchanged.Change);
        Assert.Equal(OutcomeStatus.Rejected, rejected.Outcome.Status);
        Assert.Null(rejected.Change);
        Assert.Equal(OutcomeStatus.VersionConflict, conflict.Outcome.Status);
        Assert.Null(conflict.Change);
        Assert.Equal(0, driver.Record.Version);
    }
}
