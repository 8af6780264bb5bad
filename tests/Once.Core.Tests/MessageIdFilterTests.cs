namespace Once.Core.Tests;

public sealed class MessageIdFilterTests
{
    [Fact]
    public void EveryAddedId_MightContain_NoFalseNegatives()
    {
        var filter = new MessageIdFilter();
        var ids = Enumerable.Range(0, 50_000).Select(i => $"order-{i}:{i * 7919}").ToArray();
        foreach (var id in ids)
        {
            filter.Add(id);
        }

        Assert.All(ids, id => Assert.True(filter.MightContain(id), id));
        Assert.Equal(ids.Length, filter.Count);
    }

    [Theory]
    [InlineData(1_000, 0, 4.0)]
    [InlineData(100_000, 0, 4.0)]
    [InlineData(100_000, 100_000, 2.0)]
    public void IdsNeverAdded_FalsePositiveRateBelowTarget_FewBytesPerId(int added, int expected, double bytesPerId)
    {
        var filter = new MessageIdFilter(expected);
        for (var i = 0; i < added; i++)
        {
            filter.Add($"seen-{i}");
        }

        const int Probes = 100_000;
        var falsePositives = Enumerable.Range(0, Probes).Count(i => filter.MightContain($"new-{i}"));

        Assert.True(falsePositives < Probes * MessageIdFilter.TargetFalsePositiveRate, $"{falsePositives} false positives in {Probes}");
        Assert.True(filter.SizeInBytes <= bytesPerId * added, $"{filter.SizeInBytes} bytes for {added} ids");
    }

    [Fact]
    public void Empty_ContainsNothing()
    {
        var filter = new MessageIdFilter();

        Assert.False(filter.MightContain("anything"));
        Assert.Equal(0, filter.SizeInBytes);
    }
}
