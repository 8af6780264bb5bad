using Once.Abstractions;

namespace Once.Core.Tests;

public sealed class LedgerRetentionTests
{
    private static LedgerOptions Cap(int maxEntries) => new() { MaxEntries = maxEntries, Retention = TimeSpan.FromDays(7) };

    private static LedgerOptions Window(TimeSpan retention) => new() { MaxEntries = 1000, Retention = retention };

    [Fact]
    public void CountCap_MoreMessagesThanCap_OldestPrunedFirstNeverAboveCap()
    {
        var driver = new EntityDriver(Cap(3));
        var firstSeen = new List<DateTimeOffset>();

        for (var i = 1; i <= 6; i++)
        {
            firstSeen.Add(driver.Now);
            driver.Send(TestDomains.Deposit($"m-{i}", "1"));
            driver.Time.Advance(TimeSpan.FromSeconds(1));

            Assert.True(driver.Record.LedgerCount <= 3, $"ledger holds {driver.Record.LedgerCount} ids after {i} messages");
        }

        Assert.Equal(3, driver.Record.LedgerCount);
        Assert.Equal(["m-4", "m-5", "m-6"], Enumerable.Range(0, 3).Select(i => driver.Record.EntryAt(i).MessageId));
        Assert.False(driver.Remembers("m-1"));
        Assert.False(driver.Remembers("m-3"));
        Assert.True(driver.Remembers("m-4"));
        Assert.Equal(firstSeen[2], driver.Record.LedgerFloor);
        Assert.Equal(6, driver.Record.Version);
    }

    [Fact]
    public void CountCap_FirstPrune_FloorIsFirstSeenOfPrunedEntry()
    {
        var driver = new EntityDriver(Cap(3));
        for (var i = 1; i <= 3; i++)
        {
            driver.Send(TestDomains.Deposit($"m-{i}", "1"));
            driver.Time.Advance(TimeSpan.FromSeconds(10));
        }

        Assert.Null(driver.Record.LedgerFloor);

        var decision = driver.Decide(TestDomains.Deposit("m-4", "1"));

        Assert.Equal(1, decision.Change!.PrunedCount);
        Assert.Equal(EntityDriver.Start, decision.Change.LedgerFloor);
        Assert.Equal(EntityDriver.Start, driver.Record.LedgerFloor);
    }

    [Fact]
    public void CountCap_ReplayOrMismatch_DoesNotPrune()
    {
        var driver = new EntityDriver(Cap(2));
        driver.Send(TestDomains.Deposit("m-1", "1"));
        driver.Send(TestDomains.Deposit("m-2", "1"));

        driver.Send(TestDomains.Deposit("m-1", "1"));
        driver.Send(TestDomains.Deposit("m-2", "9"));

        Assert.True(driver.Remembers("m-1"));
        Assert.True(driver.Remembers("m-2"));
        Assert.Null(driver.Record.LedgerFloor);
    }

    [Fact]
    public void CountCapOfOne_EachWrite_KeepsOnlyNewest()
    {
        var driver = new EntityDriver(Cap(1));

        driver.Send(TestDomains.Deposit("m-1", "1"));
        driver.Send(TestDomains.Withdraw("m-2", "100"));

        Assert.Equal(1, driver.Record.LedgerCount);
        Assert.True(driver.Remembers("m-2"));
        Assert.False(driver.Remembers("m-1"));
    }

    [Fact]
    public void TimeWindow_EntriesOlderThanRetention_PrunedOnNextWriteOnly()
    {
        var driver = new EntityDriver(Window(TimeSpan.FromHours(1)));
        driver.Send(TestDomains.Deposit("m-1", "1"));
        driver.Time.Advance(TimeSpan.FromMinutes(30));
        driver.Send(TestDomains.Deposit("m-2", "1"));
        driver.Time.Advance(TimeSpan.FromMinutes(31));

        // Past the window but no write yet: still remembered, still replayed.
        Assert.True(driver.Remembers("m-1"));
        Assert.True(driver.Send(TestDomains.Deposit("m-1", "1")).Replayed);

        driver.Send(TestDomains.Deposit("m-3", "1"));

        Assert.False(driver.Remembers("m-1"));
        Assert.True(driver.Remembers("m-2"));
        Assert.True(driver.Remembers("m-3"));
        Assert.Equal(EntityDriver.Start, driver.Record.LedgerFloor);
        Assert.Equal(3, driver.Record.Version);
    }

    [Fact]
    public void TimeWindow_EntryExactlyRetentionOld_Kept()
    {
        var driver = new EntityDriver(Window(TimeSpan.FromHours(1)));
        driver.Send(TestDomains.Deposit("m-1", "1"));
        driver.Time.Advance(TimeSpan.FromHours(1));

        driver.Send(TestDomains.Deposit("m-2", "1"));

        Assert.True(driver.Remembers("m-1"));
        Assert.Null(driver.Record.LedgerFloor);
    }

    [Fact]
    public void TimeWindow_AllEntriesExpired_AllPrunedFloorIsNewestPruned()
    {
        var driver = new EntityDriver(Window(TimeSpan.FromHours(1)));
        driver.Send(TestDomains.Deposit("m-1", "1"));
        driver.Time.Advance(TimeSpan.FromMinutes(10));
        var lastSeen = driver.Now;
        driver.Send(TestDomains.Withdraw("m-2", "100"));
        driver.Time.Advance(TimeSpan.FromDays(1));

        var decision = driver.Decide(TestDomains.Deposit("m-3", "1"));

        Assert.Equal(2, decision.Change!.PrunedCount);
        Assert.Equal(1, driver.Record.LedgerCount);
        Assert.Equal(lastSeen, driver.Record.LedgerFloor);
    }

    [Fact]
    public void Expired_ProducedAtOrBeforeFloor_ExpiredNothingChanges()
    {
        var driver = new EntityDriver(Cap(2));
        for (var i = 1; i <= 3; i++)
        {
            driver.Send(TestDomains.Deposit($"m-{i}", "1"));
            driver.Time.Advance(TimeSpan.FromMinutes(1));
        }

        var floor = driver.Record.LedgerFloor!.Value;
        var before = (driver.Record.Version, driver.Record.Data, driver.Record.LedgerCount);

        var atFloor = driver.Decide(TestDomains.Deposit("late-1", "5", producedAt: floor));
        var beforeFloor = driver.Decide(TestDomains.Deposit("late-2", "5", producedAt: floor.AddHours(-1)));

        Assert.Equal(OutcomeStatus.Expired, atFloor.Outcome.Status);
        Assert.Null(atFloor.Change);
        Assert.False(atFloor.Outcome.IsTerminal);
        Assert.Equal(3, atFloor.Outcome.Version);
        Assert.Equal(OutcomeStatus.Expired, beforeFloor.Outcome.Status);
        Assert.Null(beforeFloor.Change);
        Assert.Equal(before, (driver.Record.Version, driver.Record.Data, driver.Record.LedgerCount));
        Assert.False(driver.Remembers("late-1"));
    }

    [Fact]
    public void Expired_ProducedJustAfterFloor_Applied()
    {
        var driver = new EntityDriver(Cap(1));
        driver.Send(TestDomains.Deposit("m-1", "1"));
        driver.Time.Advance(TimeSpan.FromMinutes(1));
        driver.Send(TestDomains.Deposit("m-2", "1"));
        var floor = driver.Record.LedgerFloor!.Value;

        var outcome = driver.Send(TestDomains.Deposit("m-3", "1", producedAt: floor.AddTicks(1)));

        Assert.Equal(OutcomeStatus.Applied, outcome.Status);
        Assert.Equal((3m, 0m), driver.Account());
    }

    [Fact]
    public void Expired_NoFloorYet_OldProducedAtApplied()
    {
        var driver = new EntityDriver(Cap(10));

        var outcome = driver.Send(TestDomains.Deposit("m-1", "1", producedAt: EntityDriver.Start.AddYears(-5)));

        Assert.Equal(OutcomeStatus.Applied, outcome.Status);
    }

    [Fact]
    public void PrunedId_RedeliveredWithProducedAt_ExpiredNotAppliedTwice()
    {
        var driver = new EntityDriver(Cap(2));
        var producedAt = driver.Now.AddSeconds(-1);
        var original = TestDomains.Deposit("m-1", "10", producedAt: producedAt);
        driver.Send(original);
        driver.Time.Advance(TimeSpan.FromMinutes(1));
        driver.Send(TestDomains.Deposit("m-2", "1"));
        driver.Time.Advance(TimeSpan.FromMinutes(1));
        driver.Send(TestDomains.Deposit("m-3", "1"));
        Assert.False(driver.Remembers("m-1"));

        var redelivery = driver.Send(original);

        Assert.Equal(OutcomeStatus.Expired, redelivery.Status);
        Assert.Equal((12m, 0m), driver.Account());
        Assert.Equal(3, driver.Record.Version);
    }

    [Fact]
    public void PrunedId_ProducerClockAheadOfEntity_RedeliveryNotAppliedTwice()
    {
        // ProducedAt comes from the producer's clock, the floor from the entity's. A producer whose
        // clock runs 2 s ahead stamps a message after the time the entity first sees it; once the id
        // is pruned, the floor (that first-seen time) is before ProducedAt and the redelivery is
        // applied a second time, although the entity was told when the message was produced.
        var driver = new EntityDriver(Cap(1));
        var original = TestDomains.Deposit("m-1", "10", producedAt: driver.Now.AddSeconds(2));
        driver.Send(original);
        driver.Time.Advance(TimeSpan.FromMinutes(1));
        driver.Send(TestDomains.Deposit("m-2", "1"));
        Assert.False(driver.Remembers("m-1"));

        var redelivery = driver.Send(original);

        Assert.Equal(OutcomeStatus.Expired, redelivery.Status);
        Assert.Equal((11m, 0m), driver.Account());
    }

    [Fact]
    public void PrunedId_RedeliveredWithoutProducedAt_AppliedAgainAsDocumented()
    {
        // Documented limit of retention: without ProducedAt the entity cannot tell a forgotten id
        // from a new one, so the message applies a second time.
        var driver = new EntityDriver(Cap(2));
        driver.Send(TestDomains.Deposit("m-1", "10"));
        driver.Send(TestDomains.Deposit("m-2", "1"));
        driver.Send(TestDomains.Deposit("m-3", "1"));
        Assert.False(driver.Remembers("m-1"));

        var redelivery = driver.Send(TestDomains.Deposit("m-1", "10"));

        Assert.Equal(OutcomeStatus.Applied, redelivery.Status);
        Assert.False(redelivery.Replayed);
        Assert.Equal((22m, 0m), driver.Account());
        Assert.Equal(4, driver.Record.Version);
    }

    [Fact]
    public void KnownId_ProducedAtBeforeFloor_ReplayedNotExpired()
    {
        var driver = new EntityDriver(Cap(2));
        driver.Send(TestDomains.Deposit("m-1", "1"));
        driver.Time.Advance(TimeSpan.FromMinutes(1));
        var keptAt = driver.Now;
        var kept = TestDomains.Deposit("m-2", "2", producedAt: keptAt.AddDays(-1));
        var first = driver.Send(kept);
        driver.Time.Advance(TimeSpan.FromMinutes(1));
        driver.Send(TestDomains.Deposit("m-3", "1"));
        Assert.True(driver.Record.LedgerFloor >= kept.ProducedAt);

        var replay = driver.Send(kept);

        Assert.Equal(first with { Replayed = true }, replay);
    }

    [Fact]
    public void AtLeastOnce_ProducedAtIgnored_NoExpiry()
    {
        var driver = new EntityDriver(Cap(1));
        driver.Send(TestDomains.Deposit("m-1", "1"));
        driver.Send(TestDomains.Deposit("m-2", "1"));
        Assert.NotNull(driver.Record.LedgerFloor);

        var outcome = driver.Send(TestDomains.Deposit("m-0", "1", producedAt: EntityDriver.Start.AddYears(-1)) with { Entity = TestDomains.AtLeastOnceAccount });

        Assert.Equal(OutcomeStatus.Applied, outcome.Status);
    }

    [Fact]
    public void ProducedAt_BeyondMaxFutureSkew_RefusedInvalidNothingRecorded()
    {
        var driver = new EntityDriver();
        driver.Send(TestDomains.Deposit("m-1", "5"));

        var decision = driver.Decide(TestDomains.Deposit("m-2", "5", producedAt: new DateTimeOffset(9999, 12, 31, 23, 59, 59, TimeSpan.Zero)));

        Assert.Equal(OutcomeStatus.Invalid, decision.Outcome.Status);
        Assert.Equal(MessageErrors.ProducedInFuture, decision.Outcome.Reason);
        Assert.Null(decision.Change);
        Assert.False(driver.Remembers("m-2"));
        Assert.Equal(1, driver.Record.Version);
    }

    [Fact]
    public void ProducedAt_AtMaxFutureSkew_Applied()
    {
        var driver = new EntityDriver();

        var outcome = driver.Send(TestDomains.Deposit("m-1", "5", producedAt: driver.Now + driver.Options.MaxFutureSkew));

        Assert.Equal(OutcomeStatus.Applied, outcome.Status);
    }

    [Fact]
    public void MaxFutureSkew_NegativeOrOverADay_RefusedNamingTheSetting()
    {
        Assert.Contains("Once:Ledger:MaxFutureSkew", Assert.Single(new LedgerOptions { MaxFutureSkew = TimeSpan.FromSeconds(-1) }.Validate()));
        Assert.Contains("Once:Ledger:MaxFutureSkew", Assert.Single(new LedgerOptions { MaxFutureSkew = TimeSpan.FromDays(1.5) }.Validate()));
        Assert.Empty(new LedgerOptions { MaxFutureSkew = TimeSpan.Zero }.Validate());
    }
}
