using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Once.Abstractions;
using Once.Core;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace Once.Grains;

/// <summary>
/// One entity. Messages for one key are decided one at a time, in arrival order; the ones that queue
/// up while a write is in flight are committed together in the next write, and every sender is
/// answered only after the write that holds its message. SendAsync interleaves (it queues and waits);
/// everything else is one turn at a time. Messages arrive by direct call (client, HTTP) and from the
/// entity's stream, through one path and one ledger. What the entity emits is delivered by its
/// <see cref="OutboxDispatcher"/>, which is told of every commit that added to the outbox.
/// </summary>
[ImplicitStreamSubscription(typeof(EntityStreamNamespacePredicate), EntityStreamIdMapper.Name)]
internal sealed partial class EntityGrain(
    IGrainContext grainContext,
    IEntityStoreProvider stores,
    EntityCatalog catalog,
    IOptions<LedgerOptions> ledgerOptions,
    TimeProvider time,
    OnceMetrics metrics,
    IOptions<StreamConsumerOptions> consumerOptions,
    IOptions<WebhookOptions> webhookOptions,
    WebhookSender webhooks,
    ILogger<EntityGrain> logger) : Grain, IEntityGrain, IEntityAdminGrain, IStreamSubscriptionObserver, IRemindable, IOutboxOwner
{
    private const int MaxStaleRetries = 3;

    /// <summary>The most messages of one entity decided together and committed in one write.</summary>
    private const int MaxMessagesPerWrite = 100;

    private readonly IEntityStore _store = stores.Open(EntityKey.Parse(grainContext.GrainId.Key.ToString()!), grainContext);
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly Dictionary<MessageId, int> _streamAttempts = [];
    private readonly Queue<(ValidatedMessage Message, TaskCompletionSource<MessageOutcome> Answer, ActivityContext Caller)> _queued = new();
    private bool _draining;

    private EntityKey? _key;
    private OutboxDispatcher? _outbox;

    private EntityKey Key => _key ??= EntityKey.Parse(this.GetPrimaryKeyString());

    private OutboxDispatcher Outbox => _outbox ??= new OutboxDispatcher(this, this, GrainFactory, webhooks, webhookOptions.Value, metrics, logger);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Activation runs alone, as if under the write gate: an outbox left by an earlier activation
        // (a crash, a move) is delivered from here.
        await _store.EnsureLoadedAsync();
        await Outbox.CommittedAsync(_store.Current);
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => Outbox.ReminderAsync();

    public async Task<MessageOutcome> SendAsync(MessageEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        if (envelope.Entity != Key)
        {
            return Refuse(envelope, new MessageError(MessageErrors.WrongEntity, $"The message is for '{envelope.Entity}', not '{Key}'."));
        }

        if (!catalog.Validate(envelope, out var message, out var error))
        {
            return Refuse(envelope, error!);
        }

        // Refused here for every guarantee: an at-most-once message would otherwise be answered
        // accepted and then dropped by the engine's same check.
        if (ProducerTime.Check(envelope.ProducedAt, Now(), ledgerOptions.Value.MaxFutureSkew) is { } ahead)
        {
            return Refuse(envelope, ahead);
        }

        if (message!.Registration.Guarantee == DeliveryGuarantee.AtMostOnce)
        {
            return await AcceptAtMostOnceAsync(message);
        }

        var answer = new TaskCompletionSource<MessageOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        _queued.Enqueue((message, answer, Activity.Current?.Context ?? default));
        if (!_draining)
        {
            _draining = true;
            _ = DrainAsync();
        }

        var outcome = await answer.Task;
        Record(envelope, outcome);
        return outcome;
    }

    /// <summary>
    /// Decides the queued messages and commits them, as many as are waiting (up to
    /// <see cref="MaxMessagesPerWrite"/>) in one write, until none wait. SendAsync interleaves, so the
    /// messages that arrive while one write is in flight make up the next: a hot key gets one write per
    /// batch instead of one per message. Each caller is answered after the write that holds its message.
    /// Runs on this activation's scheduler, one at a time (<see cref="_draining"/>), and never throws:
    /// a failed write fails the callers of its batch.
    /// </summary>
    private async Task DrainAsync()
    {
        try
        {
            while (_queued.Count > 0)
            {
                var batch = new List<(ValidatedMessage Message, TaskCompletionSource<MessageOutcome> Answer, ActivityContext Caller)>();
                while (batch.Count < MaxMessagesPerWrite && _queued.TryDequeue(out var next))
                {
                    batch.Add(next);
                }

                try
                {
                    var outcomes = await CommitBatchAsync(batch.Select(b => b.Message).ToArray(), batch.Select(b => b.Caller).ToArray());
                    for (var i = 0; i < batch.Count; i++)
                    {
                        batch[i].Answer.TrySetResult(outcomes[i]);
                    }
                }
                catch (Exception e)
                {
                    foreach (var (_, answer, _) in batch)
                    {
                        answer.TrySetException(e);
                    }
                }
            }
        }
        finally
        {
            _draining = false;
        }
    }

    /// <summary>
    /// Decides the messages one after another, each on the state the ones before it left (a fork of
    /// memory: nothing changes there before the write succeeded), and commits their changes in one
    /// write. After a stale write it decides them all again on fresh state, where the ledger decides.
    /// Each message gets its spans in its caller's trace (<paramref name="callers"/>; none: the current one).
    /// </summary>
    private async Task<MessageOutcome[]> CommitBatchAsync(IReadOnlyList<ValidatedMessage> messages, IReadOnlyList<ActivityContext>? callers = null)
    {
        await _writeGate.WaitAsync();
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                await _store.EnsureLoadedAsync();
                foreach (var message in messages)
                {
                    await _store.FindEntryAsync(message.Envelope.MessageId.Value);
                }

                var outcomes = new MessageOutcome[messages.Count];
                var changes = new List<EntityChange>();
                // Which messages changed the entity, for their commit spans (only when someone traces).
                var changed = OnceTracing.Source.HasListeners() ? new List<int>() : null;
                var view = _store.Current;
                for (var i = 0; i < messages.Count; i++)
                {
                    using var decide = OnceTracing.StartDecide(callers?[i] ?? default, Key, messages[i].Envelope.MessageId);
                    var (outcome, change) = DecideNow(view, messages[i]);
                    OnceTracing.Outcome(decide, outcome);
                    outcomes[i] = outcome!;
                    if (change is not null)
                    {
                        change = OnceTracing.Stamp(change, decide);
                        changes.Add(change);
                        changed?.Add(i);
                        if (i < messages.Count - 1)
                        {
                            if (ReferenceEquals(view, _store.Current))
                            {
                                view = view.Fork();
                            }

                            view.Apply(change);
                        }
                    }
                }

                if (changes.Count == 0)
                {
                    return outcomes;
                }

                var spans = changed?.ConvertAll(i => OnceTracing.StartCommit(callers?[i] ?? default, Key, messages[i].Envelope.MessageId, changes.Count));
                try
                {
                    await _store.CommitAsync(changes);
                }
                catch (StaleWriteException) when (attempt < MaxStaleRetries)
                {
                    LogStaleWrite(Key, messages[0].Envelope.MessageId, attempt);
                    DeactivateOnIdle();
                    continue;
                }
                catch (Exception e)
                {
                    spans?.ForEach(span => span?.SetStatus(ActivityStatusCode.Error, e.GetBaseException().Message));
                    throw;
                }
                finally
                {
                    spans?.ForEach(span => span?.Dispose());
                }

                if (changes.Any(c => c.OutboxAdded is { Count: > 0 }))
                {
                    await Outbox.CommittedAsync(_store.Current);
                }

                return outcomes;
            }
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private (MessageOutcome? Outcome, EntityChange? Change) DecideNow(EntityRecord current, ValidatedMessage message)
    {
        var decision = EntityEngine.Decide(current, message, ledgerOptions.Value, Now());
        return (decision.Outcome, decision.Change);
    }

    /// <summary>
    /// At-most-once: the answer does not depend on the processing. A failure is logged and counted as
    /// a loss, never reported to the sender, so nobody retries.
    /// </summary>
    private async Task<MessageOutcome> AcceptAtMostOnceAsync(ValidatedMessage message)
    {
        var envelope = message.Envelope;
        try
        {
            await CommitBatchAsync([message]);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogLostAtMostOnce(e, Key, envelope.MessageId);
            metrics.MessageLost(Key.Type);
        }

        var accepted = new MessageOutcome(OutcomeStatus.Accepted, envelope.MessageId, 0);
        Record(envelope, accepted);
        return accepted;
    }

    /// <summary>
    /// Decides on the loaded state and commits the change in one write, one commit at a time (the
    /// outbox dispatcher runs beside message turns). After a stale write it decides again on fresh
    /// state, where the ledger decides. Returns the decision's outcome once the write is durable.
    /// </summary>
    private async Task<MessageOutcome?> CommitAsync(
        Func<EntityRecord, (MessageOutcome? Outcome, EntityChange? Change)> decide, MessageId cause, Func<Task>? afterCommit = null)
    {
        await _writeGate.WaitAsync();
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                await _store.EnsureLoadedAsync();
                var (outcome, change) = decide(_store.Current);
                if (change is null)
                {
                    return outcome;
                }

                try
                {
                    await _store.CommitAsync(change);
                }
                catch (StaleWriteException) when (attempt < MaxStaleRetries)
                {
                    // Another activation of this entity wrote first. This one is stale: let it go once
                    // this call ends, and decide again on the fresh state.
                    LogStaleWrite(Key, cause, attempt);
                    DeactivateOnIdle();
                    continue;
                }

                if (change.OutboxAdded is { Count: > 0 })
                {
                    await Outbox.CommittedAsync(_store.Current);
                }

                // Still under the write gate, so the dispatcher just scheduled waits for it; scheduled
                // first, so a failure here cannot leave a committed outbox without a dispatcher.
                if (afterCommit is not null)
                {
                    await afterCommit();
                }

                return outcome;
            }
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>
    /// Attaches the observer whenever the stream delivers to this activation: an implicit subscription
    /// without an attached observer would have its items confirmed and dropped.
    /// </summary>
    public Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory)
    {
        ArgumentNullException.ThrowIfNull(handleFactory);
        return handleFactory.Create<MessageEnvelope>().ResumeAsync(OnStreamMessageAsync);
    }

    /// <summary>
    /// A stream delivery is processed like a direct send. An exception (storage, a failing handler)
    /// propagates so the stream delivers again, up to the configured attempts; then the message is set
    /// aside in the dead-letter store with its reason. A refusal (invalid, reused id, expired) is set
    /// aside at once: retrying cannot change it. Nothing is dropped silently.
    /// </summary>
    private async Task OnStreamMessageAsync(MessageEnvelope envelope, StreamSequenceToken? token)
    {
        MessageOutcome outcome;
        try
        {
            outcome = await SendAsync(envelope);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var attempts = _streamAttempts.GetValueOrDefault(envelope.MessageId) + 1;
            if (attempts < consumerOptions.Value.MaxAttempts)
            {
                _streamAttempts[envelope.MessageId] = attempts;
                throw;
            }

            _streamAttempts.Remove(envelope.MessageId);
            await DeadLetterAsync(envelope, "stream", attempts, e.GetBaseException().Message);
            return;
        }

        _streamAttempts.Remove(envelope.MessageId);
        if (!outcome.IsTerminal && outcome.Status != OutcomeStatus.Accepted)
        {
            LogStreamRefusal(envelope.Entity, envelope.MessageId, outcome.Status.ToWireName(), outcome.Reason);
            await DeadLetterAsync(envelope, "stream", 1, $"{outcome.Status.ToWireName()}: {outcome.Reason ?? outcome.Detail}");
        }
    }

    private Task DeadLetterAsync(MessageEnvelope envelope, string source, int attempts, string reason, HttpEffect? call = null) =>
        GrainFactory.GetGrain<IDeadLetterWriterGrain>(IDeadLetterGrain.Key).AddAsync(new DeadLetter(
            DeadLetterId(envelope), envelope, reason, source, attempts, time.GetUtcNow(), call));

    /// <summary>One dead-letter id per message: setting it aside again replaces the entry.</summary>
    private static string DeadLetterId(MessageEnvelope envelope) =>
        OutboxIds.Derive(envelope.Entity, envelope.MessageId, 0, purpose: "dead-letter").Value;

    /// <summary>
    /// Puts the effect a dead letter of this entity holds back into the outbox, then removes the dead
    /// letter while still holding the write gate: the dispatcher cannot send it, and set it aside again
    /// under the same dead-letter id, before the old entry is gone (removing it afterwards could delete
    /// the new one). The effect is read from the store, never taken from the caller.
    /// </summary>
    public async Task<bool> RequeueEffectAsync(string deadLetterId)
    {
        var deadLetters = GrainFactory.GetGrain<IDeadLetterGrain>(IDeadLetterGrain.Key);
        if (await deadLetters.GetAsync(deadLetterId) is not { Call: { } call } deadLetter || deadLetter.Envelope.Entity != Key)
        {
            return false;
        }

        var identity = deadLetter.Envelope;
        await CommitAsync(
            current => (null, EntityEngine.Outboxed(current, new OutboxEntry(identity, Call: call))),
            identity.MessageId,
            afterCommit: () => deadLetters.RemoveAsync(deadLetter.Id));
        return true;
    }

    async Task<T> IOutboxOwner.UnderWriteGateAsync<T>(Func<EntityRecord, Task<T>> action)
    {
        await _writeGate.WaitAsync();
        try
        {
            await _store.EnsureLoadedAsync();
            return await action(_store.Current);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    Task IOutboxOwner.CommitDeliveredAsync(IReadOnlyList<MessageId> delivered) =>
        CommitAsync(current => (null, EntityEngine.Delivered(current, delivered)), delivered[0]);

    Task<MessageOutcome> IOutboxOwner.SendToSelfAsync(MessageEnvelope message) => SendAsync(message);

    EntityKey IOutboxOwner.Key => Key;

    Task IOutboxOwner.DeadLetterAsync(MessageEnvelope envelope, string source, int attempts, string reason, HttpEffect? call) =>
        DeadLetterAsync(envelope, source, attempts, reason, call);

    public Task<EntitySnapshot?> GetAsync() => ReadCommittedAsync(current =>
        current.Version == 0 || current.Data is null ? null : new EntitySnapshot(Key, current.Version, current.Data));

    public Task<MessageOutcome?> GetOutcomeAsync(MessageId messageId) => ReadCommittedAsync(
        current => messageId.Value is not null && current.TryGetEntry(messageId.Value, out var entry)
            ? entry.Outcome.ToOutcome(messageId, entry.FirstSeenAt, replayed: true)
            : null,
        lookup: messageId.Value);

    /// <summary>
    /// Reads committed state without waiting for a write in flight: the stores change memory only
    /// after a write succeeded. Only loading, before the first read or after a failed write, takes the
    /// write gate, so it cannot run beside a commit; if a write fails while the read waits for the
    /// ledger, the read starts over on the reloaded state.
    /// </summary>
    private async Task<T> ReadCommittedAsync<T>(Func<EntityRecord, T> read, string? lookup = null)
    {
        while (true)
        {
            if (!_store.IsLoaded)
            {
                await _writeGate.WaitAsync();
                try
                {
                    await _store.EnsureLoadedAsync();
                }
                finally
                {
                    _writeGate.Release();
                }
            }

            if (lookup is not null)
            {
                await _store.FindEntryAsync(lookup);
            }

            if (_store.IsLoaded)
            {
                return read(_store.Current);
            }
        }
    }

    /// <summary>The time in whole microseconds, as PostgreSQL keeps it: an outcome replayed from storage
    /// then carries exactly the first-seen time the first answer had.</summary>
    private DateTimeOffset Now()
    {
        var now = time.GetUtcNow();
        return now.AddTicks(-(now.Ticks % 10));
    }

    private MessageOutcome Refuse(MessageEnvelope envelope, MessageError error)
    {
        var outcome = new MessageOutcome(OutcomeStatus.Invalid, envelope.MessageId, 0, Reason: error.Code, Detail: error.Detail);
        Record(envelope, outcome);
        return outcome;
    }

    private void Record(MessageEnvelope envelope, MessageOutcome outcome)
    {
        metrics.MessageProcessed(envelope.Entity.Type, outcome);
        if (outcome is { Replayed: true, FirstSeenAt: { } firstSeen })
        {
            metrics.DuplicateArrived(envelope.Entity.Type, Now() - firstSeen);
        }

        switch (outcome.Status)
        {
            case OutcomeStatus.PayloadMismatch:
                LogPayloadMismatch(envelope.Entity, envelope.MessageId);
                break;
            case OutcomeStatus.Expired:
                LogExpired(envelope.Entity, envelope.MessageId);
                break;
            case OutcomeStatus.Invalid:
                LogInvalid(envelope.Entity, envelope.MessageId, outcome.Reason);
                break;
            default:
                LogProcessed(envelope.Entity, envelope.MessageId, outcome.Status, outcome.Version, outcome.Replayed);
                break;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Entity} message {MessageId}: {Status} at version {Version} (replayed: {Replayed})")]
    private partial void LogProcessed(EntityKey entity, MessageId messageId, OutcomeStatus status, long version, bool replayed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Entity} message {MessageId}: refused, the id was already used for other content")]
    private partial void LogPayloadMismatch(EntityKey entity, MessageId messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Entity} message {MessageId}: refused, produced before the ledger's retained history")]
    private partial void LogExpired(EntityKey entity, MessageId messageId);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Entity} message {MessageId}: invalid ({Reason})")]
    private partial void LogInvalid(EntityKey entity, MessageId messageId, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Entity} message {MessageId} was acknowledged at most once and its processing failed: lost")]
    private partial void LogLostAtMostOnce(Exception exception, EntityKey entity, MessageId messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Entity} message {MessageId} from the stream was refused: {Status} ({Reason})")]
    private partial void LogStreamRefusal(EntityKey entity, MessageId messageId, string status, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Entity} message {MessageId}: stale write on attempt {Attempt}; deactivating and deciding again on fresh state")]
    private partial void LogStaleWrite(EntityKey entity, MessageId messageId, int attempt);
}
