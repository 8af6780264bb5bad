using Once.Abstractions;

namespace Once.Core;

/// <summary>
/// The decision of one message against one entity, as a pure function, in the order of DESIGN.md:
/// ledger lookup (duplicate: replay; same id with other content: refuse), ledger floor, expected
/// version, handler. The caller commits <see cref="EntityDecision.Change"/> in one write and only
/// then answers with <see cref="EntityDecision.Outcome"/>.
/// </summary>
public static class EntityEngine
{
    public static EntityDecision Decide(EntityRecord entity, ValidatedMessage message, LedgerOptions options, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(entity);
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(options);

        var envelope = message.Envelope;
        if (ProducerTime.Check(envelope.ProducedAt, now, options.MaxFutureSkew) is { } ahead)
        {
            return new EntityDecision(
                new MessageOutcome(OutcomeStatus.Invalid, envelope.MessageId, 0, Reason: ahead.Code, Detail: ahead.Detail), null);
        }

        var deduplicate = message.Registration.Deduplicates;
        if (deduplicate && entity.TryGetEntry(envelope.MessageId.Value, out var known))
        {
            var outcome = known.Fingerprint == message.Fingerprint
                ? known.Outcome.ToOutcome(envelope.MessageId, known.FirstSeenAt, replayed: true)
                : new MessageOutcome(
                    OutcomeStatus.PayloadMismatch,
                    envelope.MessageId,
                    entity.Version,
                    Detail: "This message id was already used for a message with other content.",
                    FirstSeenAt: known.FirstSeenAt);
            return new EntityDecision(outcome, null);
        }

        if (deduplicate && envelope.ProducedAt is { } producedAt && entity.LedgerFloor is { } floor && producedAt <= floor)
        {
            var expired = new MessageOutcome(
                OutcomeStatus.Expired,
                envelope.MessageId,
                entity.Version,
                Detail: $"The message was produced at {producedAt:O}, before the oldest history this entity still remembers ({floor:O}); it may have been processed already.");
            return new EntityDecision(expired, null);
        }

        var (recorded, version, data, emissions) = Evaluate(entity, message);
        var outbox = emissions.Count == 0 ? null : emissions.Select((e, i) => new OutboxEntry(
            new MessageEnvelope(OutboxIds.Derive(envelope.Entity, envelope.MessageId, i), e.Call is null ? e.Target : envelope.Entity, e.MessageType, e.Data),
            e.OnRejected,
            e.Call)).ToArray();
        if (!deduplicate)
        {
            var change = version != entity.Version || outbox is not null
                ? new EntityChange(version, data, null, 0, entity.LedgerFloor, outbox)
                : null;
            return new EntityDecision(recorded.ToOutcome(envelope.MessageId, now, replayed: false), change);
        }

        var entry = new LedgerEntry(envelope.MessageId.Value, message.Fingerprint, recorded, now, envelope.ProducedAt);
        // With a ledger table, forgetting is the retention job's business, not this write's.
        var (pruned, newFloor) = entity.ForgetsOnWrite ? PlanPruning(entity, options, now) : (0, entity.LedgerFloor);
        return new EntityDecision(
            recorded.ToOutcome(envelope.MessageId, now, replayed: false),
            new EntityChange(version, data, entry, pruned, newFloor, outbox));
    }

    /// <summary>The change that puts one entry (back) into the outbox; nothing else moves.</summary>
    public static EntityChange Outboxed(EntityRecord entity, OutboxEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entity);
        return new EntityChange(entity.Version, entity.Data, null, 0, entity.LedgerFloor, OutboxAdded: [entry]);
    }

    /// <summary>The change that removes delivered messages from the outbox; nothing else moves.</summary>
    public static EntityChange Delivered(EntityRecord entity, IReadOnlyList<MessageId> delivered)
    {
        ArgumentNullException.ThrowIfNull(entity);
        return new EntityChange(entity.Version, entity.Data, null, 0, entity.LedgerFloor, OutboxDelivered: delivered);
    }

    private static (RecordedOutcome Outcome, long Version, string? Data, IReadOnlyList<Emission> Emissions) Evaluate(
        EntityRecord entity, ValidatedMessage message)
    {
        var envelope = message.Envelope;
        if (envelope.ExpectedVersion is { } expected && expected != entity.Version)
        {
            return (new RecordedOutcome(OutcomeStatus.VersionConflict, entity.Version, ExpectedVersion: expected), entity.Version, entity.Data, []);
        }

        var handler = message.Registration.Handler;
        var current = entity.Data ?? handler.InitialState;
        var result = handler.Handle(current, envelope.MessageType, message.Parsed);
        if (result.IsRejected)
        {
            return (new RecordedOutcome(OutcomeStatus.Rejected, entity.Version, Reason: result.RejectionReason), entity.Version, entity.Data, []);
        }

        if (string.Equals(result.State, current, StringComparison.Ordinal))
        {
            return (new RecordedOutcome(OutcomeStatus.Unchanged, entity.Version, result.Result), entity.Version, entity.Data, result.Emissions);
        }

        var version = entity.Version + 1;
        return (new RecordedOutcome(OutcomeStatus.Applied, version, result.Result), version, result.State, result.Emissions);
    }

    /// <summary>
    /// Forgets the oldest ids that are past the retention window, and as many more as needed to keep
    /// the count (after adding one) within the cap. The floor moves to the latest time a forgotten id
    /// can claim (its first-seen or its producer time, whichever is later).
    /// </summary>
    private static (int Count, DateTimeOffset? Floor) PlanPruning(EntityRecord entity, LedgerOptions options, DateTimeOffset now)
    {
        var cutoff = now - options.Retention;
        var overCap = entity.LedgerCount + 1 - options.MaxEntries;
        var floor = entity.LedgerFloor;
        var count = 0;
        while (count < entity.LedgerCount)
        {
            var oldest = entity.EntryAt(count);
            if (count >= overCap && oldest.FirstSeenAt >= cutoff)
            {
                break;
            }

            // Capped for ids stored before producer times were bounded.
            var claim = Min(oldest.LatestClaim, oldest.FirstSeenAt + options.MaxFutureSkew);
            if (floor is null || claim > floor)
            {
                floor = claim;
            }

            count++;
        }

        return (count, floor);
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}
