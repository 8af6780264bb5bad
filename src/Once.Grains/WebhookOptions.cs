namespace Once.Grains;

/// <summary>How HTTP effects are sent (section <c>Once:Webhooks</c>).</summary>
public sealed class WebhookOptions
{
    public const string SectionName = "Once:Webhooks";

    /// <summary>Attempts before an effect that keeps failing is set aside as a dead letter. Default: 8.</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>How long one attempt may take. Default: 00:00:10.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Returns the problems with these settings, each naming its setting; empty when valid.</summary>
    public IEnumerable<string> Validate()
    {
        if (MaxAttempts is < 1 or > 100)
        {
            yield return $"{SectionName}:MaxAttempts must be between 1 and 100 (was {MaxAttempts}).";
        }

        if (Timeout <= TimeSpan.Zero || Timeout > TimeSpan.FromMinutes(5))
        {
            yield return $"{SectionName}:Timeout must be greater than zero and at most 00:05:00 (was {Timeout}).";
        }
    }
}
