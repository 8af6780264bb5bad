namespace Once.Grains;

/// <summary>
/// How entity grains treat stream deliveries that keep failing. Bound from <c>Once:Streams</c>
/// (validated there, with the queue's settings: <c>Once.Hosting.OnceStreamOptions</c>).
/// </summary>
public sealed class StreamConsumerOptions
{
    public const string SectionName = "Once:Streams";

    /// <summary>Failed deliveries of one message before it is set aside in the dead-letter store. Default: 5.</summary>
    public int MaxAttempts { get; set; } = 5;
}
