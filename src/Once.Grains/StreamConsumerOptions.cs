namespace Once.Grains;

/// <summary>
/// How entity grains treat stream deliveries that keep failing. Bound from <c>Once:Streams</c>, where
/// the queue's own limit (<c>Once:Streams:QueueMaxAttempts</c>) is set beside it; validated at start.
/// </summary>
public sealed class StreamConsumerOptions
{
    public const string SectionName = "Once:Streams";

    /// <summary>Failed deliveries of one message before it is set aside in the dead-letter store. Default: 5.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Returns the problems with these settings, each naming its setting; empty when valid.</summary>
    public IEnumerable<string> Validate()
    {
        if (MaxAttempts is < 1 or > 100)
        {
            yield return $"{SectionName}:MaxAttempts must be between 1 and 100 (was {MaxAttempts}).";
        }
    }
}
