using Once.Abstractions;

namespace Once.Core.Tests;

public sealed class ProducerTimeTests
{
    [Theory]
    [InlineData("2026-12-02T10:15:30Z", "2026-12-02T10:15:30.0000000+00:00")]
    [InlineData("2026-12-02t10:15:30z", "2026-12-02T10:15:30.0000000+00:00")]
    [InlineData("2026-12-02T11:15:30.25+01:00", "2026-12-02T11:15:30.2500000+01:00")]
    [InlineData("2026-12-02T10:15:30.123456789-05:30", "2026-12-02T10:15:30.1234567-05:30")]
    [InlineData("1970-01-01T00:00:00+00:00", "1970-01-01T00:00:00.0000000+00:00")]
    public void TryParse_Rfc3339WithOffset_Read(string text, string expected)
    {
        Assert.True(ProducerTime.TryParse(text, out var value));
        Assert.Equal(expected, value.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("1/2/2024")]
    [InlineData("2024-01-01")]
    [InlineData("2024-01-01T10:00:00")]
    [InlineData("2024-01-01T10:00:00.5")]
    [InlineData("2024-01-01 10:00:00Z")]
    [InlineData("2024-01-01T10:00Z")]
    [InlineData("2024-01-01T10:00:00+0100")]
    [InlineData("2024-01-01T10:00:00+01")]
    [InlineData("2024-02-30T10:00:00Z")]
    [InlineData("2024-01-01T24:00:00Z")]
    [InlineData("2024-01-01T10:00:60Z")]
    [InlineData("2024-01-01T10:00:00+15:00")]
    [InlineData("2024-01-01T10:00:00.Z")]
    [InlineData(" 2024-01-01T10:00:00Z")]
    [InlineData("2024-01-01T10:00:00Z\n")]
    [InlineData("Mon, 01 Jan 2024 10:00:00 GMT")]
    [InlineData("yesterday")]
    [InlineData("")]
    [InlineData(null)]
    public void TryParse_NotRfc3339WithOffset_Refused(string? text)
    {
        Assert.False(ProducerTime.TryParse(text, out _));
    }

    [Fact]
    public void Check_WithinSkewOrPastOrAbsent_NoError_BeyondSkew_ProducedInFuture()
    {
        var now = EntityDriver.Start;
        var skew = TimeSpan.FromMinutes(5);

        Assert.Null(ProducerTime.Check(null, now, skew));
        Assert.Null(ProducerTime.Check(now.AddYears(-3), now, skew));
        Assert.Null(ProducerTime.Check(now + skew, now, skew));
        Assert.Equal(MessageErrors.ProducedInFuture, ProducerTime.Check(now + skew + TimeSpan.FromTicks(1), now, skew)?.Code);
        Assert.Equal(MessageErrors.ProducedInFuture, ProducerTime.Check(DateTimeOffset.MaxValue, now, skew)?.Code);
    }

    [Fact]
    public void CapFloor_FarAhead_NowPlusSkew_OtherwiseUnchanged()
    {
        var now = EntityDriver.Start;
        var skew = TimeSpan.FromMinutes(5);

        Assert.Equal(now + skew, ProducerTime.CapFloor(DateTimeOffset.MaxValue, now, skew));
        Assert.Equal(now + skew, ProducerTime.CapFloor(now + skew + TimeSpan.FromTicks(1), now, skew));
        Assert.Equal(now + skew, ProducerTime.CapFloor(now + skew, now, skew));
        Assert.Equal(now.AddDays(-3), ProducerTime.CapFloor(now.AddDays(-3), now, skew));
        Assert.Null(ProducerTime.CapFloor(null, now, skew));
    }
}
