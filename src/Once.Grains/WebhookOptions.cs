namespace Once.Grains;

/// <summary>How HTTP effects are sent (section <c>Once:Webhooks</c>).</summary>
public sealed class WebhookOptions
{
    public const string SectionName = "Once:Webhooks";

    /// <summary>Attempts before an effect that keeps failing is set aside as a dead letter. Default: 8.</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>How long one attempt may take. Default: 00:00:10.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The hosts effects may be sent to: exact names or addresses (<c>hooks.example.com</c>,
    /// <c>203.0.113.7</c>) and <c>*.suffix</c> patterns, which match every name below the suffix but
    /// not the suffix itself. An effect to any other host is never sent: it is dead-lettered with the
    /// reason. Default: empty (no webhook is ever sent).
    /// </summary>
    public List<string> AllowedHosts { get; set; } = [];

    /// <summary>Whether <c>http://</c> targets are sent too; otherwise only <c>https://</c>. Default: false.</summary>
    public bool AllowHttp { get; set; }

    /// <summary>
    /// Whether a target may resolve to a loopback, private, shared (carrier-grade NAT), link-local or
    /// unspecified address. Checked on the addresses the name resolves to, at connection time, so
    /// an allowed name cannot lead a silo into its own network. Default: false.
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }

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

        foreach (var host in AllowedHosts)
        {
            if (!WebhookTargets.IsValidPattern(host))
            {
                yield return $"{SectionName}:AllowedHosts holds '{host}', which is neither a host name, an IP address nor a '*.suffix' pattern (no scheme, port or path).";
            }
        }
    }
}
