using Once.Abstractions;

namespace Once.Core.Tests;

/// <summary>What a sender reads when message data is refused: the member and what was wrong, never a .NET type or a parser position.</summary>
public sealed class DataErrorTextTests
{
    [Theory]
    [InlineData("deposit", """{"amount":"5"}""", "data.amount")]
    [InlineData("deposit", """{"amount":true}""", "data.amount")]
    [InlineData("deposit", """{"amount":null}""", "data.amount")]
    [InlineData("deposit", """{"amount":1e400}""", "1e400")]
    [InlineData("deposit", """{"amount":[1]}""", "data.amount")]
    [InlineData("deposit", """{"amount":{"x":1}}""", "data.amount")]
    [InlineData("deposit", """{}""", "data.amount")]
    [InlineData("deposit", """{"amount":5,"memo":"x"}""", "data.memo")]
    [InlineData("deposit", """{"Amount":5}""", "data.Amount")]
    [InlineData("deposit", """{"amount":5,"amount":6}""", "amount")]
    [InlineData("set-limit", """{"limit":"x"}""", "data.limit")]
    public void InvalidData_DetailNamesTheMemberAndNoDotNetType(string messageType, string data, string member)
    {
        var envelope = TestDomains.AccountMessage("m-1", messageType, data);

        Assert.False(TestDomains.Catalog.Validate(envelope, out _, out var error));

        Assert.Equal(MessageErrors.InvalidData, error!.Code);
        Assert.Contains(member.StartsWith("data", StringComparison.Ordinal) ? $"'{member}'" : member, error.Detail, StringComparison.Ordinal);
        foreach (var leak in new[] { "Once.", "System.", ".NET", "LineNumber", "BytePosition", "Path:" })
        {
            Assert.DoesNotContain(leak, error.Detail, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("""{"amount":"5"}""", "'data.amount' must be a number.")]
    [InlineData("""{}""", "The data lacks the required member 'data.amount'.")]
    [InlineData("""{"amount":5,"memo":"x"}""", "'data.memo' is not a member of this message type's data.")]
    public void InvalidData_CommonMistakes_PlainSentences(string data, string detail)
    {
        Assert.False(TestDomains.Catalog.Validate(TestDomains.AccountMessage("m-1", "deposit", data), out _, out var error));

        Assert.Equal(detail, error!.Detail);
    }
}
