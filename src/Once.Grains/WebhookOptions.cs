namespace Once.Grains;

/// <summary>How HTTP effects are sent (section <c>Once:Webhooks</c>).</summary>
public sealed class WebhookOptions
{
    public const string SectionName = "Once:Webhooks";

    /// <summary>Attempts before an effect that keeps failing is set aside as a dead letter. Default: 8.</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>How long one attempt may take. Default: 00:00:10.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}
