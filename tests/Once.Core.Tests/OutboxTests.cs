using System.Text.Json;
using Once.Abstractions;

namespace Once.Core.Tests;

/// <summary>Emitted messages: written with the change that caused them, with ids derived from the cause.</summary>
public sealed class OutboxTests
{
    private static MessageEnvelope OrderMessage(string id, string type, string data = "{}") =>
        new(new MessageId(id), TestDomains.Order, type, data);

    [Fact]
    public void PayWithAccount_EmitsOneWithdrawalOfTheTotal_InTheSameChange()
    {
        var driver = new EntityDriver();
        driver.Decide(OrderMessage("place", "place", """{"total":30,"account":"acc-9"}"""));

        var paid = driver.Decide(OrderMessage("pay", "pay"));

        var emitted = Assert.Single(paid.Change!.OutboxAdded!);
        Assert.Equal(new EntityKey("accounts", "acc-9"), emitted.Envelope.Entity);
        Assert.Equal(("withdraw", 30m), (emitted.Envelope.MessageType, JsonDocument.Parse(emitted.Envelope.Data).RootElement.GetProperty("amount").GetDecimal()));
        Assert.Equal("payment-rejected", emitted.OnRejected);
        Assert.Equal(OutboxIds.Derive(TestDomains.Order, new MessageId("pay"), 0), emitted.Envelope.MessageId);
        Assert.Single(driver.Record.Outbox);
    }

    [Fact]
    public void SameCauseDecidedAgain_EmitsTheSameIds()
    {
        var first = new EntityDriver();
        var second = new EntityDriver();
        foreach (var driver in new[] { first, second })
        {
            driver.Decide(OrderMessage("place", "place", """{"total":30,"account":"acc-9"}"""));
            driver.Decide(OrderMessage("pay", "pay"));
        }

        Assert.Equal(first.Record.Outbox, second.Record.Outbox);
    }

    [Fact]
    public void DerivedIds_DifferBySourceCauseAndPosition_AndAreValidMessageIds()
    {
        var ids = new[]
        {
            OutboxIds.Derive(TestDomains.Order, new MessageId("a"), 0),
            OutboxIds.Derive(TestDomains.Order, new MessageId("a"), 1),
            OutboxIds.Derive(TestDomains.Order, new MessageId("b"), 0),
            OutboxIds.Derive(new EntityKey("orders", "other"), new MessageId("a"), 0),
            OutboxIds.Derive(TestDomains.Order, new MessageId("a"), 0, purpose: "rejected"),
        };

        Assert.Equal(ids.Length, ids.Distinct().Count());
        Assert.All(ids, id => Assert.True(MessageId.TryParse(id.Value, out _, out _)));
    }

    [Fact]
    public void RejectedOrDuplicate_EmitsNothing()
    {
        var driver = new EntityDriver();
        driver.Decide(OrderMessage("place", "place", """{"total":30,"account":"acc-9"}"""));
        driver.Decide(OrderMessage("pay", "pay"));

        var replay = driver.Decide(OrderMessage("pay", "pay"));
        var rejected = driver.Decide(OrderMessage("pay-again", "pay"));

        Assert.Null(replay.Change);
        Assert.Equal(OutcomeStatus.Rejected, rejected.Outcome.Status);
        Assert.Null(rejected.Change!.OutboxAdded);
        Assert.Single(driver.Record.Outbox);
    }

    [Fact]
    public void Delivered_RemovesOnlyThoseMessages_AndChangesNothingElse()
    {
        var driver = new EntityDriver();
        driver.Decide(OrderMessage("place", "place", """{"total":30,"account":"acc-9"}"""));
        driver.Decide(OrderMessage("pay", "pay"));
        var before = (driver.Record.Version, driver.Record.Data, driver.Record.LedgerCount);

        driver.Record.Apply(EntityEngine.Delivered(driver.Record, [driver.Record.Outbox[0].Envelope.MessageId]));

        Assert.Empty(driver.Record.Outbox);
        Assert.Equal(before, (driver.Record.Version, driver.Record.Data, driver.Record.LedgerCount));
    }

    [Fact]
    public void PaymentRejected_MovesPaidOrderToPaymentFailedWithTheReason()
    {
        var driver = new EntityDriver();
        driver.Decide(OrderMessage("place", "place", """{"total":30,"account":"acc-9"}"""));
        driver.Decide(OrderMessage("pay", "pay"));

        var failed = driver.Decide(OrderMessage("r-1", "payment-rejected", """{"reason":"insufficient-funds"}"""));

        Assert.Equal("""{"status":"payment-failed"}""", failed.Outcome.Result);
        Assert.Contains("\"failureReason\":\"insufficient-funds\"", driver.Record.Data, StringComparison.Ordinal);
    }
}
