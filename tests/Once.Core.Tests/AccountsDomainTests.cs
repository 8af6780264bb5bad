using Once.Abstractions;
using Once.Samples.Accounts;

namespace Once.Core.Tests;

public sealed class AccountsDomainTests
{
    private static MessageError Refused(MessageEnvelope envelope)
    {
        Assert.False(TestDomains.Catalog.Validate(envelope, out _, out var error), $"{envelope.MessageType} {envelope.Data} should be refused");
        return error!;
    }

    [Theory]
    [InlineData("0.01")]
    [InlineData("1")]
    [InlineData("1.5")]
    [InlineData("1.50")]
    [InlineData("1.500")]
    [InlineData("1.5000000")]
    [InlineData("999999999999.99")]
    [InlineData("1000000000000")]
    [InlineData("1000000000000.00")]
    [InlineData("1e12")]
    [InlineData("125e-2")]
    public void Deposit_ValidAmount_AppliedAndBalanceRaised(string amount)
    {
        var driver = new EntityDriver();
        var expected = decimal.Parse(amount, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture);

        var outcome = driver.Send(TestDomains.Deposit("m-1", amount));

        Assert.Equal(OutcomeStatus.Applied, outcome.Status);
        Assert.Equal(1, outcome.Version);
        Assert.Equal((expected, 0m), driver.Account());
        Assert.Equal(driver.Record.Data, outcome.Result);
    }

    [Theory]
    [InlineData("deposit", "0")]
    [InlineData("deposit", "0.00")]
    [InlineData("deposit", "-1")]
    [InlineData("deposit", "-0.01")]
    [InlineData("deposit", "1.505")]
    [InlineData("deposit", "0.001")]
    [InlineData("deposit", "1000000000000.01")]
    [InlineData("deposit", "1e13")]
    [InlineData("deposit", "1e400")]
    [InlineData("withdraw", "0")]
    [InlineData("withdraw", "-5")]
    [InlineData("withdraw", "1.505")]
    [InlineData("withdraw", "1000000000000.01")]
    public void AmountMessage_AmountOutOfRules_InvalidData(string messageType, string amount)
    {
        var error = Refused(TestDomains.AccountMessage("m-1", messageType, $$"""{"amount":{{amount}}}"""));

        Assert.Equal(MessageErrors.InvalidData, error.Code);
    }

    [Theory]
    [InlineData("0", true)]
    [InlineData("0.00", true)]
    [InlineData("100.25", true)]
    [InlineData("1000000000000", true)]
    [InlineData("-0.01", false)]
    [InlineData("1.005", false)]
    [InlineData("1000000000000.01", false)]
    public void SetLimit_Limit_ZeroAllowedNegativeAndExtraPlacesNot(string limit, bool valid)
    {
        var envelope = TestDomains.SetLimit("m-1", limit);

        Assert.Equal(valid, TestDomains.Catalog.Validate(envelope, out _, out var error));
        if (!valid)
        {
            Assert.Equal(MessageErrors.InvalidData, error!.Code);
        }
    }

    [Theory]
    [InlineData("deposit", """{"amount":10,"note":"x"}""")]
    [InlineData("deposit", """{}""")]
    [InlineData("deposit", """{"amount":"10"}""")]
    [InlineData("deposit", """{"amount":null}""")]
    [InlineData("deposit", """{"Amount":10}""")]
    [InlineData("deposit", """{"amount":true}""")]
    [InlineData("deposit", """{"amount":[10]}""")]
    [InlineData("deposit", """{"limit":10}""")]
    [InlineData("withdraw", """{"amount":"1"}""")]
    [InlineData("withdraw", """{}""")]
    [InlineData("set-limit", """{"amount":10}""")]
    [InlineData("set-limit", """{"limit":"10"}""")]
    [InlineData("set-limit", """{"limit":10,"extra":1}""")]
    public void AccountMessage_DataNotStrictlyItsShape_InvalidData(string messageType, string data)
    {
        Assert.Equal(MessageErrors.InvalidData, Refused(TestDomains.AccountMessage("m-1", messageType, data)).Code);
    }

    [Fact]
    public void Withdraw_MoreThanBalancePlusLimit_RejectedInsufficientFunds()
    {
        var driver = new EntityDriver();
        driver.Send(TestDomains.Deposit("d-1", "100"));
        driver.Send(TestDomains.SetLimit("l-1", "50"));

        var outcome = driver.Send(TestDomains.Withdraw("w-1", "150.01"));

        Assert.Equal(OutcomeStatus.Rejected, outcome.Status);
        Assert.Equal(AccountsHandler.InsufficientFunds, outcome.Reason);
        Assert.Null(outcome.Result);
        Assert.Equal(2, outcome.Version);
        Assert.Equal(2, driver.Record.Version);
        Assert.Equal((100m, 50m), driver.Account());
    }

    [Fact]
    public void Withdraw_ExactlyBalancePlusLimit_AppliedIntoOverdraft()
    {
        var driver = new EntityDriver();
        driver.Send(TestDomains.Deposit("d-1", "100"));
        driver.Send(TestDomains.SetLimit("l-1", "50"));

        var outcome = driver.Send(TestDomains.Withdraw("w-1", "150"));

        Assert.Equal(OutcomeStatus.Applied, outcome.Status);
        Assert.Equal(3, outcome.Version);
        Assert.Equal((-50m, 50m), driver.Account());
        Assert.Equal(OutcomeStatus.Rejected, driver.Send(TestDomains.Withdraw("w-2", "0.01")).Status);
    }

    [Fact]
    public void Withdraw_FromNewAccountWithoutLimit_Rejected()
    {
        var driver = new EntityDriver();

        var outcome = driver.Send(TestDomains.Withdraw("w-1", "0.01"));

        Assert.Equal(OutcomeStatus.Rejected, outcome.Status);
        Assert.Equal(AccountsHandler.InsufficientFunds, outcome.Reason);
        Assert.Equal(0, driver.Record.Version);
        Assert.Null(driver.Record.Data);
    }

    [Fact]
    public void SetLimit_SameLimitTwice_SecondUnchangedVersionKept()
    {
        var driver = new EntityDriver();
        driver.Send(TestDomains.Deposit("d-1", "10"));

        var first = driver.Send(TestDomains.SetLimit("l-1", "25"));
        var second = driver.Send(TestDomains.SetLimit("l-2", "25.00"));

        Assert.Equal(OutcomeStatus.Applied, first.Status);
        Assert.Equal(2, first.Version);
        Assert.Equal(OutcomeStatus.Unchanged, second.Status);
        Assert.Equal(2, second.Version);
        Assert.Equal(first.Result, second.Result);
        Assert.Equal(2, driver.Record.Version);
        Assert.Equal((10m, 25m), driver.Account());
    }

    [Fact]
    public void SetLimit_Absolute_LastValueWinsNotSum()
    {
        var driver = new EntityDriver();

        driver.Send(TestDomains.SetLimit("l-1", "25"));
        driver.Send(TestDomains.SetLimit("l-2", "10"));

        Assert.Equal((0m, 10m), driver.Account());
        Assert.Equal(2, driver.Record.Version);
    }

    [Fact]
    public void SetLimit_ZeroOnNewAccount_UnchangedNoStateWritten()
    {
        var driver = new EntityDriver();

        var outcome = driver.Send(TestDomains.SetLimit("l-1", "0"));

        Assert.Equal(OutcomeStatus.Unchanged, outcome.Status);
        Assert.Equal(0, outcome.Version);
        Assert.Equal("""{"balance":0,"limit":0}""", outcome.Result);
        Assert.Null(driver.Record.Data);
    }

    [Fact]
    public void Result_AfterEachMessage_BalanceAndLimitAfterIt()
    {
        var driver = new EntityDriver();

        Assert.Equal("""{"balance":10.25,"limit":0}""", driver.Send(TestDomains.Deposit("d-1", "10.25")).Result);
        Assert.Equal("""{"balance":10.25,"limit":5}""", driver.Send(TestDomains.SetLimit("l-1", "5.00")).Result);
        Assert.Equal("""{"balance":-4.75,"limit":5}""", driver.Send(TestDomains.Withdraw("w-1", "15")).Result);
        Assert.Equal("""{"balance":0,"limit":5}""", driver.Send(TestDomains.Deposit("d-2", "4.75")).Result);
        Assert.Equal("""{"balance":0,"limit":5}""", driver.Record.Data);
    }
}
