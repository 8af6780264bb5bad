namespace Once.Benchmarks;

/// <summary>One timed run of one path.</summary>
/// <param name="LatenciesMs">Per message: from the producer starting to send it until it was applied, in ms.</param>
/// <param name="ProducerWaitsMs">Per message: how long its producer was held up by it, in ms (the whole call
/// for a direct call; until the message was stored in the queue for a stream).</param>
/// <param name="Elapsed">From the first send until the last message was applied.</param>
internal sealed record Measurement(double[] LatenciesMs, double[] ProducerWaitsMs, TimeSpan Elapsed)
{
    public double Throughput => LatenciesMs.Length / Elapsed.TotalSeconds;
}
