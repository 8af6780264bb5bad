namespace Once.Abstractions;

/// <summary>The names under which Once reports, for the processes that collect them.</summary>
public static class OnceTelemetry
{
    /// <summary>The meter of Once's counters (messages applied, duplicates, refusals, ...).</summary>
    public const string MeterName = "Once";
}
