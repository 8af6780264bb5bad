using System.Diagnostics.Metrics;
using Once.Abstractions;

namespace Once.Grains;

/// <summary>
/// The engine's counters (meter <c>Once</c>): messages by entity type, status and whether they were
/// replays, so duplicates and reused ids are visible.
/// </summary>
public sealed class OnceMetrics
{
    public const string MeterName = OnceTelemetry.MeterName;

    private readonly Counter<long> _messages;
    private readonly Counter<long> _outbox;
    private readonly Counter<long> _lost;
    private readonly Counter<long> _deadLettered;
    private readonly Histogram<double> _duplicateAge;
    private readonly Histogram<double> _commitDuration;
    private readonly Histogram<int> _commitBatchSize;

    public OnceMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(MeterName);
        _messages = meter.CreateCounter<long>("once.messages", unit: "{message}", description: "Messages answered by entity grains, by outcome.");
        _lost = meter.CreateCounter<long>("once.messages.lost", unit: "{message}", description: "At-most-once messages acknowledged whose processing failed.");
        _deadLettered = meter.CreateCounter<long>("once.dead_letters", unit: "{message}", description: "Messages set aside in the dead-letter store, by source.");
        _outbox = meter.CreateCounter<long>("once.outbox.delivered", unit: "{message}", description: "Emitted messages delivered from outboxes, by the target's outcome.");
        // From a second to the default retention (7 days), with half of it (3.5 days) for the late-duplicates alert.
        _duplicateAge = meter.CreateHistogram(
            "once.duplicates.age",
            unit: "s",
            description: "How long after the first delivery a duplicate arrived, by entity type.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 10, 60, 600, 3600, 21600, 86400, 259200, 302400, 604800] });
        _commitDuration = meter.CreateHistogram(
            "once.store.commit.duration",
            unit: "s",
            description: "Group commits of the native PostgreSQL store: from the batch's start to COMMIT.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });
        _commitBatchSize = meter.CreateHistogram(
            "once.store.commit.batch_size",
            unit: "{write}",
            description: "Entity writes per group commit of the native PostgreSQL store.",
            tags: null,
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512] });
    }

    internal void MessageProcessed(EntityTypeName type, MessageOutcome outcome) =>
        _messages.Add(
            1,
            new KeyValuePair<string, object?>("entity_type", type.Value),
            new KeyValuePair<string, object?>("status", outcome.Status.ToWireName()),
            new KeyValuePair<string, object?>("replayed", outcome.Replayed));

    internal void OutboxDelivered(EntityTypeName source, MessageOutcome outcome) =>
        _outbox.Add(
            1,
            new KeyValuePair<string, object?>("entity_type", source.Value),
            new KeyValuePair<string, object?>("status", outcome.Status.ToWireName()),
            new KeyValuePair<string, object?>("replayed", outcome.Replayed));

    /// <summary>A duplicate arrived <paramref name="age"/> after the first delivery of its message.</summary>
    internal void DuplicateArrived(EntityTypeName type, TimeSpan age) =>
        _duplicateAge.Record(Math.Max(0, age.TotalSeconds), new KeyValuePair<string, object?>("entity_type", type.Value));

    /// <summary>A group commit of <paramref name="writes"/> entity writes took <paramref name="duration"/>.</summary>
    internal void Committed(int writes, TimeSpan duration)
    {
        _commitDuration.Record(duration.TotalSeconds);
        _commitBatchSize.Record(writes);
    }

    internal void MessageLost(EntityTypeName type) =>
        _lost.Add(1, new KeyValuePair<string, object?>("entity_type", type.Value));

    internal void DeadLettered(EntityTypeName type, string source) =>
        _deadLettered.Add(1, new KeyValuePair<string, object?>("entity_type", type.Value), new KeyValuePair<string, object?>("source", source));
}
