namespace Once.Grains;

/// <summary>How entity grains treat stream deliveries that keep failing.</summary>
public sealed class StreamConsumerOptions
{
    /// <summary>Failed deliveries of one message before it is set aside in the dead-letter store. Default: 5.</summary>
    public int MaxAttempts { get; set; } = 5;
}
