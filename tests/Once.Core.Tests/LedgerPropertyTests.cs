using CsCheck;
using Once.Abstractions;

namespace Once.Core.Tests;

public sealed class LedgerPropertyTests
{
    [Fact]
    public void Ledger_RandomCapsRetentionsAndClockSteps_PrunesOldestKeepsFloorSafe()
    {
        // Every step moves the clock: a message produced at or before the first sighting of an id the
        // entity forgot is refused as expired by design, and with no step at all (two sends in one
        // instant) the next message's producer time can be exactly that.
        var gen = Gen.Select(Gen.Int[1, 6], Gen.Int[1, 30], Gen.Int[1, 600].Array[1, 40]);
        gen.Sample(
            (maxEntries, retentionMinutes, steps) => Check(maxEntries, TimeSpan.FromMinutes(retentionMinutes), steps),
            iter: 500,
            print: t => $"MaxEntries {t.Item1}, Retention {t.Item2} min, clock steps (s) [{string.Join(", ", t.Item3)}]");
    }

    private static void Check(int maxEntries, TimeSpan retention, int[] steps)
    {
        var driver = new EntityDriver(new LedgerOptions { MaxEntries = maxEntries, Retention = retention });
        var sent = new List<(MessageEnvelope Envelope, DateTimeOffset FirstSeen, MessageOutcome Outcome)>();
        DateTimeOffset? lastFloor = null;

        for (var i = 0; i < steps.Length; i++)
        {
            driver.Time.Advance(TimeSpan.FromSeconds(steps[i]));
            var envelope = TestDomains.Deposit($"m{i}", "1", producedAt: driver.Now.AddMilliseconds(-5));
            var outcome = driver.Send(envelope);
            Assert.Equal(OutcomeStatus.Applied, outcome.Status);
            sent.Add((envelope, driver.Now, outcome));

            Assert.InRange(driver.Record.LedgerCount, 1, maxEntries);
            Assert.True(driver.Record.LedgerFloor >= lastFloor || lastFloor is null, "the floor moved back");
            lastFloor = driver.Record.LedgerFloor;

            // Right after a write nothing older than the window is left, and the ledger holds the
            // newest ids in delivery order.
            for (var e = 0; e < driver.Record.LedgerCount; e++)
            {
                Assert.True(driver.Record.EntryAt(e).FirstSeenAt >= driver.Now - retention);
            }

            var remembered = Enumerable.Range(0, driver.Record.LedgerCount).Select(e => driver.Record.EntryAt(e).MessageId);
            Assert.Equal(sent.Skip(sent.Count - driver.Record.LedgerCount).Select(s => s.Envelope.MessageId.Value), remembered);
        }

        Assert.Equal(steps.Length, driver.Record.Version);

        // Every redelivery is either replayed (still remembered) or expired (forgotten, produced
        // before the floor): never applied twice.
        foreach (var (envelope, firstSeen, outcome) in sent)
        {
            var remembered = driver.Remembers(envelope.MessageId.Value);
            if (!remembered)
            {
                Assert.True(firstSeen <= driver.Record.LedgerFloor, $"{envelope.MessageId} forgotten but first seen after the floor");
            }

            var again = driver.Send(envelope);
            if (remembered)
            {
                Assert.Equal(outcome with { Replayed = true }, again);
            }
            else
            {
                Assert.Equal(OutcomeStatus.Expired, again.Status);
            }
        }

        Assert.Equal(steps.Length, driver.Record.Version);
        Assert.Equal((steps.Length * 1m, 0m), driver.Account());
    }
}
