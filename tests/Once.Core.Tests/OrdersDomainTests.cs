using Once.Abstractions;
using Once.Samples.Orders;

namespace Once.Core.Tests;

public sealed class OrdersDomainTests
{
    /// <summary>Brings a fresh order into a status through valid transitions.</summary>
    private static EntityDriver OrderIn(string status)
    {
        var driver = new EntityDriver();
        string[] path = status switch
        {
            OrdersHandler.New => [],
            OrdersHandler.Placed => ["place"],
            OrdersHandler.Paid => ["place", "pay"],
            OrdersHandler.Shipped => ["place", "pay", "ship"],
            OrdersHandler.Cancelled => ["place", "cancel"],
            _ => throw new ArgumentOutOfRangeException(nameof(status)),
        };
        foreach (var step in path)
        {
            var message = step == "place" ? TestDomains.Place("setup-place", "99.90") : TestDomains.OrderMessage($"setup-{step}", step);
            Assert.Equal(OutcomeStatus.Applied, driver.Send(message).Status);
        }

        Assert.Equal(status, driver.Order().Status);
        return driver;
    }

    [Theory]
    [InlineData("new", "place", "placed")]
    [InlineData("new", "pay", null)]
    [InlineData("new", "ship", null)]
    [InlineData("new", "cancel", null)]
    [InlineData("placed", "place", null)]
    [InlineData("placed", "pay", "paid")]
    [InlineData("placed", "ship", null)]
    [InlineData("placed", "cancel", "cancelled")]
    [InlineData("paid", "place", null)]
    [InlineData("paid", "pay", null)]
    [InlineData("paid", "ship", "shipped")]
    [InlineData("paid", "cancel", "cancelled")]
    [InlineData("shipped", "place", null)]
    [InlineData("shipped", "pay", null)]
    [InlineData("shipped", "ship", null)]
    [InlineData("shipped", "cancel", null)]
    [InlineData("cancelled", "place", null)]
    [InlineData("cancelled", "pay", null)]
    [InlineData("cancelled", "ship", null)]
    [InlineData("cancelled", "cancel", null)]
    public void Transition_FromStatus_AppliedOrRejectedInvalidTransition(string from, string messageType, string? to)
    {
        var driver = OrderIn(from);
        var before = (driver.Record.Version, driver.Record.Data);
        var message = messageType == "place" ? TestDomains.Place("m-1", "10") : TestDomains.OrderMessage("m-1", messageType);

        var outcome = driver.Send(message);

        if (to is null)
        {
            Assert.Equal(OutcomeStatus.Rejected, outcome.Status);
            Assert.Equal(OrdersHandler.InvalidTransition, outcome.Reason);
            Assert.Equal(before, (driver.Record.Version, driver.Record.Data));
            Assert.Equal(from, driver.Order().Status);
        }
        else
        {
            Assert.Equal(OutcomeStatus.Applied, outcome.Status);
            Assert.Equal(before.Version + 1, outcome.Version);
            Assert.Equal(to, driver.Order().Status);
            Assert.Equal($$"""{"status":"{{to}}"}""", outcome.Result);
        }
    }

    [Fact]
    public void Place_Total_KeptThroughLaterTransitions()
    {
        var driver = new EntityDriver();

        driver.Send(TestDomains.Place("p-1", "12.50"));
        driver.Send(TestDomains.OrderMessage("pay-1", "pay"));
        driver.Send(TestDomains.OrderMessage("ship-1", "ship"));

        Assert.Equal(("shipped", 12.5m), driver.Order());
        Assert.Equal(3, driver.Record.Version);
    }

    [Theory]
    [InlineData("pay")]
    [InlineData("ship")]
    [InlineData("cancel")]
    public void NoDataMessage_NonEmptyData_InvalidData(string messageType)
    {
        Assert.False(TestDomains.Catalog.Validate(TestDomains.OrderMessage("m-1", messageType, """{"x":1}"""), out _, out var error));
        Assert.Equal(MessageErrors.InvalidData, error!.Code);
        Assert.False(TestDomains.Catalog.Validate(TestDomains.OrderMessage("m-1", messageType, """{"total":1}"""), out _, out error));
        Assert.Equal(MessageErrors.InvalidData, error!.Code);
    }

    [Theory]
    [InlineData("pay", "{}")]
    [InlineData("ship", " { } ")]
    [InlineData("cancel", "{\n}")]
    public void NoDataMessage_EmptyObject_Valid(string messageType, string data)
    {
        Assert.True(TestDomains.Catalog.Validate(TestDomains.OrderMessage("m-1", messageType, data), out var message, out _));
        Assert.Equal("{}", message!.CanonicalData);
    }

    [Theory]
    [InlineData("""{"total":0}""")]
    [InlineData("""{"total":-1}""")]
    [InlineData("""{"total":1.001}""")]
    [InlineData("""{"total":"1"}""")]
    [InlineData("""{}""")]
    [InlineData("""{"total":1,"currency":"EUR"}""")]
    public void Place_BadTotal_InvalidData(string data)
    {
        Assert.False(TestDomains.Catalog.Validate(TestDomains.OrderMessage("m-1", "place", data), out _, out var error));
        Assert.Equal(MessageErrors.InvalidData, error!.Code);
    }
}
