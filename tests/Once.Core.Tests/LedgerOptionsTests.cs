namespace Once.Core.Tests;

public sealed class LedgerOptionsTests
{
    [Fact]
    public void Defaults_SevenDaysAndThousandEntries_Valid()
    {
        var options = new LedgerOptions();

        Assert.Equal(TimeSpan.FromDays(7), options.Retention);
        Assert.Equal(1000, options.MaxEntries);
        Assert.Empty(options.Validate());
        Assert.Equal("Once:Ledger", LedgerOptions.SectionName);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1_000_000, 3650 * 24 * 60 * 60)]
    public void Boundaries_SmallestAndLargest_Valid(int maxEntries, long retentionSeconds)
    {
        var options = new LedgerOptions { MaxEntries = maxEntries, Retention = TimeSpan.FromSeconds(retentionSeconds) };

        Assert.Empty(options.Validate());
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData((3650L * 24 * 60 * 60) + 1)]
    public void Retention_OutOfRange_MessageNamesSetting(long seconds)
    {
        var problems = new LedgerOptions { Retention = TimeSpan.FromSeconds(seconds) }.Validate();

        var problem = Assert.Single(problems);
        Assert.Contains("Once:Ledger:Retention", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(1_000_001)]
    [InlineData(int.MinValue)]
    public void MaxEntries_OutOfRange_MessageNamesSetting(int maxEntries)
    {
        var problems = new LedgerOptions { MaxEntries = maxEntries }.Validate();

        var problem = Assert.Single(problems);
        Assert.Contains("Once:Ledger:MaxEntries", problem, StringComparison.Ordinal);
        Assert.Contains(maxEntries.ToString(System.Globalization.CultureInfo.InvariantCulture), problem, StringComparison.Ordinal);
    }

    [Fact]
    public void BothSettingsBad_TwoProblemsEachNamingItsSetting()
    {
        var problems = new LedgerOptions { MaxEntries = 0, Retention = TimeSpan.Zero }.Validate();

        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.Contains("Once:Ledger:Retention", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Once:Ledger:MaxEntries", StringComparison.Ordinal));
    }
}
