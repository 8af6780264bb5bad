using Once.Abstractions;

namespace Once.Core.Tests;

public sealed class FingerprintTests
{
    private static string Of(MessageEnvelope envelope)
    {
        Assert.True(TestDomains.Catalog.Validate(envelope, out var message, out var error), error?.Detail);
        return message!.Fingerprint;
    }

    private static string OfJson(string messageType, string json, long? expectedVersion)
    {
        Assert.True(CanonicalJson.TryCanonicalize(json, out var canonical, out var error), error);
        return Fingerprint.Compute(messageType, canonical, expectedVersion);
    }

    [Fact]
    public void Compute_SameInput_SameBase64UrlText()
    {
        var one = Fingerprint.Compute("deposit", """{"amount":10}""", 3);
        var two = Fingerprint.Compute("deposit", """{"amount":10}""", 3);

        Assert.Equal(one, two);
        Assert.Equal(22, one.Length);
        Assert.All(one, c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '-' or '_', $"'{c}' is not base64url"));
    }

    [Fact]
    public void Compute_ReorderedAndReformattedData_Equal()
    {
        var one = OfJson("t", """{"a":1,"b":[1.50,{"y":true,"x":null}]}""", null);
        var two = OfJson("t", """ { "b" : [ 15e-1 , { "x" : null , "y" : true } ] , "a" : 1.0 } """, null);

        Assert.Equal(one, two);
    }

    [Fact]
    public void Validate_SameDepositWrittenDifferently_SameFingerprint()
    {
        var plain = Of(TestDomains.Deposit("m-1", "10.5"));

        Assert.Equal(plain, Of(TestDomains.AccountMessage("m-1", "deposit", "{ \"amount\" : 10.50 }")));
        Assert.Equal(plain, Of(TestDomains.AccountMessage("m-1", "deposit", "{\"amount\":1050e-2}")));
        Assert.Equal(plain, Of(TestDomains.AccountMessage("m-2", "deposit", "\n{\"amount\":\t10.500}\n")));
    }

    [Fact]
    public void Compute_OtherMessageType_Differs()
    {
        Assert.NotEqual(
            Fingerprint.Compute("deposit", """{"amount":10}""", null),
            Fingerprint.Compute("withdraw", """{"amount":10}""", null));
        Assert.NotEqual(Of(TestDomains.Deposit("m-1", "10")), Of(TestDomains.Withdraw("m-1", "10")));
    }

    [Fact]
    public void Compute_OtherData_Differs()
    {
        Assert.NotEqual(Of(TestDomains.Deposit("m-1", "10")), Of(TestDomains.Deposit("m-1", "10.01")));
        Assert.NotEqual(OfJson("t", """{"a":1}""", null), OfJson("t", """{"b":1}""", null));
        Assert.NotEqual(OfJson("t", """{"a":"1"}""", null), OfJson("t", """{"a":1}""", null));
        Assert.NotEqual(OfJson("t", "[1,2]", null), OfJson("t", "[2,1]", null));
    }

    [Fact]
    public void Compute_ExpectedVersionNullZeroOne_AllDiffer()
    {
        var none = Of(TestDomains.Deposit("m-1", "10"));
        var zero = Of(TestDomains.Deposit("m-1", "10", expectedVersion: 0));
        var one = Of(TestDomains.Deposit("m-1", "10", expectedVersion: 1));

        Assert.Equal(3, new HashSet<string> { none, zero, one }.Count);
    }

    [Fact]
    public void Compute_MessageTypeAndDataBoundaryShifted_Differs()
    {
        // The fingerprint covers a JSON array, so moving text between the fields cannot collide.
        Assert.NotEqual(
            Fingerprint.Compute("a\",\"b", "{}", null),
            Fingerprint.Compute("a", "\"b\",{}", null));
    }

    [Fact]
    public void Validate_ProducedAtDiffers_SameFingerprint()
    {
        // When the producer stamped a message is not part of its content: a redelivery restamped
        // by a retrying producer is still the same message.
        var first = TestDomains.Deposit("m-1", "10", producedAt: EntityDriver.Start);
        var again = TestDomains.Deposit("m-1", "10", producedAt: EntityDriver.Start.AddMinutes(5));

        Assert.Equal(Of(first), Of(again));
    }
}
