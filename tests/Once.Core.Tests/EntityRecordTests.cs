using Once.Abstractions;

namespace Once.Core.Tests;

/// <summary>
/// A fork is what a batch decides its later messages on before anything is committed: it must see
/// the record and the changes applied to it, and the record must see none of them.
/// </summary>
public sealed class EntityRecordTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Fork_SeesTheRecordAndItsOwnChanges_TheRecordSeesNone(bool forgetsOnWrite)
    {
        var record = Record(forgetsOnWrite, ids: 3);
        var recalled = Entry("old");
        record.Recall(recalled, limit: 8);

        var fork = record.Fork();
        fork.Apply(Added("m-new", version: 4));

        Assert.True(fork.TryGetEntry("m-0", out _));
        Assert.True(fork.TryGetEntry("old", out var found) && ReferenceEquals(recalled, found));
        Assert.True(fork.TryGetEntry("m-new", out _));
        Assert.Equal(4, fork.Version);
        Assert.Equal("{\"n\":4}", fork.Data);

        Assert.False(record.TryGetEntry("m-new", out _));
        Assert.Equal(3, record.Version);
        Assert.Equal("{\"n\":3}", record.Data);
        Assert.Equal(3, record.LedgerCount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Fork_OutboxChanges_LeaveTheRecordsOutbox(bool forgetsOnWrite)
    {
        var record = Record(forgetsOnWrite, ids: 1);
        record.Apply(new EntityChange(record.Version, record.Data, null, 0, null, OutboxAdded: [Outboxed("e-1")]));

        var fork = record.Fork();
        fork.Apply(new EntityChange(fork.Version, fork.Data, null, 0, null, OutboxAdded: [Outboxed("e-2")], OutboxDelivered: [new MessageId("e-1")]));

        Assert.Equal(["e-2"], fork.Outbox.Select(e => e.Envelope.MessageId.Value));
        Assert.Equal(["e-1"], record.Outbox.Select(e => e.Envelope.MessageId.Value));
    }

    [Fact]
    public void ForkOfATableLedger_DoesNotCopyTheHotSet()
    {
        // With the ledger in a table, forking costs the same with a full hot set as with an empty one:
        // the fork holds only what is added to it and looks the rest up in the record.
        var record = Record(forgetsOnWrite: false, ids: 1000);

        var fork = record.Fork();

        Assert.Equal(0, fork.LedgerCount);
        Assert.True(fork.TryGetEntry("m-999", out _));
    }

    [Fact]
    public void ForkOfAWholeLedger_PrunesItsCopyOnly()
    {
        var record = Record(forgetsOnWrite: true, ids: 3);

        var fork = record.Fork();
        fork.Apply(Added("m-new", version: 4) with { PrunedCount = 2 });

        Assert.False(fork.TryGetEntry("m-0", out _));
        Assert.Equal(["m-2", "m-new"], Enumerable.Range(0, fork.LedgerCount).Select(i => fork.EntryAt(i).MessageId));
        Assert.True(record.TryGetEntry("m-0", out _));
        Assert.Equal(3, record.LedgerCount);
    }

    [Fact]
    public void TableLedger_RefusesAChangeThatPrunes()
    {
        var record = Record(forgetsOnWrite: false, ids: 3);

        Assert.Throws<InvalidOperationException>(() => record.Apply(Added("m-new", version: 4) with { PrunedCount = 1 }));
        Assert.Equal(3, record.LedgerCount);
        Assert.False(record.TryGetEntry("m-new", out _));
    }

    private static EntityRecord Record(bool forgetsOnWrite, int ids) => new(
        new EntityState { Version = ids, Data = $"{{\"n\":{ids}}}", Ledger = [.. Enumerable.Range(0, ids).Select(i => Entry($"m-{i}"))] },
        forgetsOnWrite);

    private static LedgerEntry Entry(string id) => new(id, "fingerprint", new RecordedOutcome(OutcomeStatus.Applied, 1), Now);

    private static EntityChange Added(string id, long version) => new(version, $"{{\"n\":{version}}}", Entry(id), 0, null);

    private static OutboxEntry Outboxed(string id) =>
        new(new MessageEnvelope(new MessageId(id), new EntityKey("accounts", "a-1"), "deposit", "{\"amount\":1}"), null, null);
}
