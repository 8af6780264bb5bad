namespace Once.Abstractions;

/// <summary>The names under which Once reports, for the processes that collect them.</summary>
public static class OnceTelemetry
{
    /// <summary>The meter of Once's counters (messages applied, duplicates, refusals, ...).</summary>
    public const string MeterName = "Once";

    /// <summary>
    /// The activity source of Once's spans: <c>once.decide</c> and <c>once.commit</c> for each message an
    /// entity processes, <c>once.outbox.deliver</c> for each delivery of an emitted message or an HTTP
    /// effect (linked to the span of the message that emitted it).
    /// </summary>
    public const string ActivitySourceName = "Once";

    /// <summary>The span attribute naming the entity (<c>{type}/{id}</c>).</summary>
    public const string EntityAttribute = "once.entity";

    /// <summary>The span attribute naming the message id.</summary>
    public const string MessageIdAttribute = "once.message_id";
}
