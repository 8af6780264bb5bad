using System.Diagnostics;
using Once.Abstractions;
using Once.Core;

namespace Once.Grains;

/// <summary>
/// Once's spans (<see cref="OnceTelemetry.ActivitySourceName"/>). Nothing is created while nobody
/// listens, so an untraced cluster pays one check per span.
/// </summary>
internal static class OnceTracing
{
    public static readonly ActivitySource Source = new(OnceTelemetry.ActivitySourceName);

    /// <summary>The span of one message's decision, a child of the call that brought it.</summary>
    public static Activity? StartDecide(ActivityContext parent, EntityKey entity, MessageId messageId) =>
        Start("once.decide", ActivityKind.Internal, parent, entity, messageId);

    /// <summary>The span of the store write that holds the message, a child of the call that brought it (one per message of a batch).</summary>
    public static Activity? StartCommit(ActivityContext parent, EntityKey entity, MessageId messageId, int batchSize)
    {
        var activity = Start("once.commit", ActivityKind.Internal, parent, entity, messageId);
        activity?.SetTag("once.batch_size", batchSize);
        return activity;
    }

    /// <summary>The span of one outbox delivery, a new trace linked to the span that emitted the entry.</summary>
    public static Activity? StartDelivery(EntityKey source, OutboxEntry entry)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        ActivityLink[] links = entry.TraceParent is { } parent && ActivityContext.TryParse(parent, null, out var emitted) ? [new ActivityLink(emitted)] : [];
        var activity = Source.StartActivity("once.outbox.deliver", ActivityKind.Producer, parentContext: default, links: links);
        activity?.SetTag(OnceTelemetry.EntityAttribute, source.ToString());
        activity?.SetTag(OnceTelemetry.MessageIdAttribute, entry.Envelope.MessageId.Value);
        activity?.SetTag("once.target", entry.Call?.Url ?? entry.Envelope.Entity.ToString());
        return activity;
    }

    /// <summary>The emitted entries stamped with the deciding span, so their deliveries can link to it.</summary>
    public static EntityChange Stamp(EntityChange change, Activity? decide)
    {
        if (decide is null || change.OutboxAdded is not { Count: > 0 } added)
        {
            return change;
        }

        var traceParent = decide.Id;
        return change with { OutboxAdded = [.. added.Select(e => e with { TraceParent = traceParent })] };
    }

    /// <summary>Records the outcome on a span.</summary>
    public static void Outcome(Activity? activity, MessageOutcome? outcome)
    {
        if (activity is not null && outcome is not null)
        {
            activity.SetTag("once.outcome", outcome.Status.ToWireName());
            activity.SetTag("once.replayed", outcome.Replayed);
        }
    }

    private static Activity? Start(string name, ActivityKind kind, ActivityContext parent, EntityKey entity, MessageId messageId)
    {
        var activity = Source.StartActivity(name, kind, parent);
        activity?.SetTag(OnceTelemetry.EntityAttribute, entity.ToString());
        activity?.SetTag(OnceTelemetry.MessageIdAttribute, messageId.Value);
        return activity;
    }
}
