namespace Once.Benchmarks;

/// <summary>Order statistics of a sample, nearest-rank percentiles (the p99 of 1000 values is the 990th smallest).</summary>
internal sealed record Distribution(int Count, double Min, double Median, double P90, double P99, double Max)
{
    public static Distribution Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            throw new ArgumentException("An empty sample has no distribution.", nameof(values));
        }

        return new Distribution(sorted.Length, sorted[0], Rank(sorted, 0.5), Rank(sorted, 0.9), Rank(sorted, 0.99), sorted[^1]);
    }

    private static double Rank(double[] sorted, double fraction) => sorted[Math.Max(0, (int)Math.Ceiling(fraction * sorted.Length) - 1)];
}
