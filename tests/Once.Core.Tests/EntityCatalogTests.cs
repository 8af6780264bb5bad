using System.Text;
using System.Text.Json;
using Once.Abstractions;
using Once.Samples.Accounts;
using Once.Samples.Orders;

namespace Once.Core.Tests;

public sealed class EntityCatalogTests
{
    /// <summary>Refused by Validate, and by Check with the very same error.</summary>
    private static MessageError Refused(MessageEnvelope envelope)
    {
        Assert.False(TestDomains.Catalog.Validate(envelope, out var message, out var error), "the envelope should be refused");
        Assert.Null(message);
        Assert.NotNull(error);
        Assert.False(string.IsNullOrWhiteSpace(error.Detail));

        Assert.False(TestDomains.Catalog.Check(envelope, out var checkedError), "Check should refuse what Validate refuses");
        Assert.Equal(error, checkedError);

        return error;
    }

    [Theory]
    [InlineData("""{"amount":10.50}""")]
    [InlineData("""{ "amount" : 1e1 }""")]
    public void Check_ValidDeposit_AcceptedLikeValidate(string data)
    {
        var envelope = TestDomains.AccountMessage("m-1", "deposit", data);

        Assert.True(TestDomains.Catalog.Validate(envelope, out _, out _));
        Assert.True(TestDomains.Catalog.Check(envelope, out var error), error?.Detail);
    }

    [Fact]
    public void Validate_ValidDeposit_CanonicalDataAndFingerprint()
    {
        var envelope = TestDomains.AccountMessage("m-1", "deposit", """ { "amount" : 10.50 } """);

        Assert.True(TestDomains.Catalog.Validate(envelope, out var message, out var error));

        Assert.Null(error);
        Assert.NotNull(message);
        Assert.Same(envelope, message.Envelope);
        Assert.Equal("""{"amount":10.5}""", message.CanonicalData);
        Assert.Equal(Fingerprint.Compute("deposit", """{"amount":10.5}""", null), message.Fingerprint);
        Assert.Equal(new AmountData(10.50m), message.Parsed);
        Assert.Equal(AccountsHandler.TypeName, message.Registration.Handler.EntityType.Value);
        Assert.True(message.Registration.Deduplicates);
    }

    [Fact]
    public void Validate_UnknownEntityType_UnknownEntityType()
    {
        var envelope = new MessageEnvelope(new MessageId("m-1"), new EntityKey("planets", "p-1"), "deposit", """{"amount":1}""");

        Assert.Equal(MessageErrors.UnknownEntityType, Refused(envelope).Code);
    }

    [Theory]
    [InlineData("Deposit")]
    [InlineData("deposits")]
    [InlineData("place")]
    [InlineData(" deposit")]
    public void Validate_UnknownMessageType_UnknownMessageType(string messageType)
    {
        Assert.Equal(MessageErrors.UnknownMessageType, Refused(TestDomains.AccountMessage("m-1", messageType, """{"amount":1}""")).Code);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("""[{"amount":1}]""")]
    [InlineData("1")]
    [InlineData("\"text\"")]
    [InlineData("null")]
    [InlineData("true")]
    public void Validate_DataNotAnObject_InvalidData(string data)
    {
        Assert.Equal(MessageErrors.InvalidData, Refused(TestDomains.AccountMessage("m-1", "deposit", data)).Code);
        Assert.Equal(MessageErrors.InvalidData, Refused(TestDomains.OrderMessage("m-1", "pay", data)).Code);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("""{"amount":}""")]
    [InlineData("""{"amount":1,}""")]
    [InlineData("""{amount:1}""")]
    [InlineData("""{"amount":1}}""")]
    [InlineData("""{"amount":1} /* c */""")]
    public void Validate_MalformedData_InvalidData(string data)
    {
        Assert.Equal(MessageErrors.InvalidData, Refused(TestDomains.AccountMessage("m-1", "deposit", data)).Code);
    }

    [Fact]
    public void Validate_DuplicateMemberInData_InvalidData()
    {
        var error = Refused(TestDomains.AccountMessage("m-1", "deposit", """{"amount":1,"amount":2}"""));

        Assert.Equal(MessageErrors.InvalidData, error.Code);
        Assert.Contains("amount", error.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"amount":1e9999999999}""")]
    [InlineData("""{"b":1e9999999999,"a":1,"a":2}""")]
    [InlineData("""{"a":[1,{"x":1,"x":1}],"amount":1e9999999999}""")]
    [InlineData("""{"amount":1.00000000000000000000000000001}""")]
    [InlineData("""{"amount":1,"note":"\udc00"}""")]
    public void Validate_HostileData_InvalidDataAndCheckSaysTheSame(string data)
    {
        Assert.Equal(MessageErrors.InvalidData, Refused(TestDomains.AccountMessage("m-1", "deposit", data)).Code);
    }

    [Fact]
    public void Validate_DataExactlyAtSizeLimit_Accepted()
    {
        var core = """{"amount":1}""";
        var data = core + new string(' ', MessageLimits.MaxDataBytes - core.Length);
        Assert.Equal(MessageLimits.MaxDataBytes, Encoding.UTF8.GetByteCount(data));

        Assert.True(TestDomains.Catalog.Validate(TestDomains.AccountMessage("m-1", "deposit", data), out var message, out var error), error?.Detail);
        Assert.Equal(core, message!.CanonicalData);
    }

    [Fact]
    public void Validate_DataOneByteOverSizeLimit_InvalidData()
    {
        var core = """{"amount":1}""";
        var data = core + new string(' ', MessageLimits.MaxDataBytes - core.Length + 1);

        var error = Refused(TestDomains.AccountMessage("m-1", "deposit", data));

        Assert.Equal(MessageErrors.InvalidData, error.Code);
        Assert.Contains(MessageLimits.MaxDataBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MultiByteDataUnderCharLimitOverByteLimit_InvalidData()
    {
        // 2-byte characters: fewer chars than the limit, more bytes.
        var text = new string('é', (MessageLimits.MaxDataBytes / 2) + 1);
        var data = $$"""{"amount":1,"note":"{{text}}"}""";
        Assert.True(data.Length < MessageLimits.MaxDataBytes + 40);

        var error = Refused(TestDomains.AccountMessage("m-1", "deposit", data));

        Assert.Equal(MessageErrors.InvalidData, error.Code);
        Assert.Contains("larger", error.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(long.MinValue)]
    public void Validate_NegativeExpectedVersion_InvalidEnvelope(long expected)
    {
        Assert.Equal(MessageErrors.InvalidEnvelope, Refused(TestDomains.Deposit("m-1", "1", expectedVersion: expected)).Code);
    }

    [Fact]
    public void Validate_ExpectedVersionZero_Accepted()
    {
        Assert.True(TestDomains.Catalog.Validate(TestDomains.Deposit("m-1", "1", expectedVersion: 0), out _, out _));
    }

    [Fact]
    public void Validate_DefaultMessageId_InvalidEnvelope()
    {
        var envelope = TestDomains.Deposit("m-1", "1") with { MessageId = default };

        Assert.Equal(MessageErrors.InvalidEnvelope, Refused(envelope).Code);
    }

    [Fact]
    public void Validate_DefaultEntityKey_InvalidEnvelope()
    {
        Assert.Equal(MessageErrors.InvalidEnvelope, Refused(TestDomains.Deposit("m-1", "1") with { Entity = default }).Code);
        Assert.Equal(MessageErrors.InvalidEnvelope, Refused(TestDomains.Deposit("m-1", "1") with { Entity = new EntityKey(default, new EntityId("x")) }).Code);
    }

    [Fact]
    public void Validate_EmptyMessageTypeOrNullData_InvalidEnvelope()
    {
        Assert.Equal(MessageErrors.InvalidEnvelope, Refused(TestDomains.AccountMessage("m-1", "", """{"amount":1}""")).Code);
        Assert.Equal(MessageErrors.InvalidEnvelope, Refused(TestDomains.AccountMessage("m-1", "deposit", null!)).Code);
    }

    [Fact]
    public void Validate_LoneSurrogateInData_InvalidDataNotException()
    {
        // Syntactically valid JSON whose string is no valid text: every ingress channel relies on
        // Validate answering with an error code, not throwing.
        var envelope = TestDomains.AccountMessage("m-1", "deposit", """{"amount":1,"note":"\udc00"}""");

        var valid = TestDomains.Catalog.Validate(envelope, out _, out var error);

        Assert.False(valid);
        Assert.Equal(MessageErrors.InvalidData, error?.Code);
    }

    [Fact]
    public void Constructor_SameEntityTypeTwice_Throws()
    {
        var registrations = new[]
        {
            new EntityRegistration(new AccountsHandler()),
            new EntityRegistration(new AccountsHandler(), DeliveryGuarantee.AtLeastOnce),
        };

        var thrown = Assert.Throws<InvalidOperationException>(() => new EntityCatalog(registrations));
        Assert.Contains("accounts", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_DistinctTypes_AllKnown()
    {
        var catalog = new EntityCatalog([new EntityRegistration(new AccountsHandler()), new EntityRegistration(new OrdersHandler())]);

        Assert.Equal(["accounts", "orders"], catalog.Types.Select(t => t.Value).Order(StringComparer.Ordinal));
        Assert.True(catalog.TryGet(new EntityTypeName("orders"), out var orders));
        Assert.IsType<OrdersHandler>(orders.Handler);
        Assert.False(catalog.TryGet(new EntityTypeName("planets"), out _));
    }

    [Fact]
    public void Handler_MessageTypes_ListsRegisteredTypes()
    {
        Assert.Equal(["deposit", "set-limit", "withdraw"], new AccountsHandler().MessageTypes.Order(StringComparer.Ordinal));
        Assert.Equal(["cancel", "pay", "payment-rejected", "place", "ship"], new OrdersHandler().MessageTypes.Order(StringComparer.Ordinal));
        Assert.Equal("""{"balance":0,"limit":0}""", new AccountsHandler().InitialState);
        Assert.Equal("""{"status":"new","total":0}""", new OrdersHandler().InitialState);
    }
}
