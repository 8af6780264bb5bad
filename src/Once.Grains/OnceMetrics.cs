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

    public OnceMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(MeterName);
        _messages = meter.CreateCounter<long>("once.messages", unit: "{message}", description: "Messages answered by entity grains, by outcome.");
        _lost = meter.CreateCounter<long>("once.messages.lost", unit: "{message}", description: "At-most-once messages acknowledged whose processing failed.");
        _deadLettered = meter.CreateCounter<long>("once.dead_letters", unit: "{message}", description: "Messages set aside in the dead-letter store, by source.");
        _outbox = meter.CreateCounter<long>("once.outbox.delivered", unit: "{message}", description: "Emitted messages delivered from outboxes, by the target's outcome.");
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

    internal void MessageLost(EntityTypeName type) =>
        _lost.Add(1, new KeyValuePair<string, object?>("entity_type", type.Value));

    internal void DeadLettered(EntityTypeName type, string source) =>
        _deadLettered.Add(1, new KeyValuePair<string, object?>("entity_type", type.Value), new KeyValuePair<string, object?>("source", source));
}
