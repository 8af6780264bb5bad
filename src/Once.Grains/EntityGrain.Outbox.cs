using Microsoft.Extensions.Logging;

namespace Once.Grains;

/// <summary>
/// The outbox dispatcher: delivers emitted messages at least once to their targets, whose ledgers
/// apply them once. It runs on a grain timer that interleaves with message turns (so two entities
/// emitting to each other cannot deadlock), reads the committed outbox under the write gate,
/// and is woken by a reminder after a crash, as long as the outbox is not empty.
/// </summary>
internal sealed partial class EntityGrain
{
    private const string DispatchReminder = "once-outbox";
    private static readonly TimeSpan MaxRetryPause = TimeSpan.FromSeconds(30);

    private readonly Dictionary<MessageId, int> _callAttempts = [];
    private IGrainTimer? _dispatchTimer;
    private TimeSpan _retryPause = TimeSpan.FromMilliseconds(200);
    private bool _reminderRegistered;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await _store.EnsureLoadedAsync();
        if (_store.Current.Outbox.Count > 0)
        {
            await ScheduleDispatchAsync(TimeSpan.Zero);
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (await ReadOutboxAsync(current => current.Outbox.Count) > 0)
        {
            await ScheduleDispatchAsync(TimeSpan.Zero);
        }
        else
        {
            await ForgetReminderIfEmptyAsync();
        }
    }

    private async Task ScheduleDispatchAsync(TimeSpan due)
    {
        if (_dispatchTimer is null)
        {
            _dispatchTimer = this.RegisterGrainTimer(
                DispatchAsync,
                new GrainTimerCreationOptions { DueTime = due, Period = Timeout.InfiniteTimeSpan, Interleave = true, KeepAlive = true });
        }
        else
        {
            _dispatchTimer.Change(due, Timeout.InfiniteTimeSpan);
        }

        if (!_reminderRegistered)
        {
            // Durable wake-up: if this silo dies with messages in the outbox, the reminder activates
            // the entity elsewhere and the dispatcher resumes from storage. The outbox itself is
            // already durable, so a failure here only delays delivery until the next activation.
            try
            {
                await this.RegisterOrUpdateReminder(DispatchReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
                _reminderRegistered = true;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogReminderFailed(e, Key);
            }
        }
    }

    private async Task DispatchAsync(CancellationToken cancellationToken)
    {
        bool retry;
        try
        {
            retry = await DeliverPendingAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Storage failed (reading the outbox, or writing what was delivered). Nothing is lost: the
            // outbox is durable, and whatever was delivered is delivered again, where its ledger answers.
            LogDispatchFailed(e, Key);
            retry = true;
        }

        if (retry)
        {
            await ScheduleDispatchAsync(_retryPause);
            _retryPause = TimeSpan.FromTicks(Math.Min(_retryPause.Ticks * 2, MaxRetryPause.Ticks));
            return;
        }

        _retryPause = TimeSpan.FromMilliseconds(200);
        await ForgetReminderIfEmptyAsync();
    }

    /// <summary>Delivers the committed outbox once and commits what was delivered; true when something must be tried again.</summary>
    private async Task<bool> DeliverPendingAsync()
    {
        IReadOnlyList<OutboxEntry> pending = await ReadOutboxAsync(current => current.Outbox.ToArray());

        var delivered = new List<MessageId>();
        var failed = false;
        foreach (var entry in pending)
        {
            try
            {
                await DeliverAsync(entry);
                delivered.Add(entry.Envelope.MessageId);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The target did not answer (or failed): keep the message and try again later. It may
                // have been applied already; its ledger will answer the retry.
                LogDeliveryFailed(e, Key, entry.Envelope.Entity, entry.Envelope.MessageId);
                failed = true;
            }
        }

        if (delivered.Count > 0)
        {
            await CommitAsync(current => (null, EntityEngine.Delivered(current, delivered)), delivered[0]);
        }

        return failed;
    }

    /// <summary>
    /// Sends one HTTP effect. 2xx: done. A 4xx other than 408 and 429 will not change by retrying: set
    /// aside. Anything else (5xx, no answer) throws so the dispatcher retries with backoff, until the
    /// attempts run out and the effect is set aside as a dead letter.
    /// </summary>
    private async Task CallAsync(OutboxEntry entry, HttpEffect call)
    {
        var id = entry.Envelope.MessageId;
        string failure;
        try
        {
            var status = await webhooks.PostAsync(call, id);
            if (status is >= 200 and < 300)
            {
                _callAttempts.Remove(id);
                return;
            }

            if (status is >= 400 and < 500 and not 408 and not 429)
            {
                _callAttempts.Remove(id);
                await DeadLetterAsync(entry.Envelope, "webhook", 1, $"{call.Url} answered {status}", call);
                return;
            }

            failure = $"{call.Url} answered {status}";
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            failure = $"{call.Url}: {e.Message}";
        }

        var attempts = _callAttempts.GetValueOrDefault(id) + 1;
        if (attempts >= webhookOptions.Value.MaxAttempts)
        {
            _callAttempts.Remove(id);
            await DeadLetterAsync(entry.Envelope, "webhook", attempts, failure, call);
            return;
        }

        _callAttempts[id] = attempts;
        throw new HttpRequestException(failure);
    }

    /// <summary>Sends one emitted message; a rejection comes back as the compensation message, if one was named.</summary>
    private async Task DeliverAsync(OutboxEntry entry)
    {
        if (entry.Call is { } call)
        {
            await CallAsync(entry, call);
            return;
        }

        var outcome = await GrainFactory.SendAsync(entry.Envelope);
        metrics.OutboxDelivered(Key.Type, outcome);
        if (outcome.Status == OutcomeStatus.Rejected && entry.OnRejected is { } replyType)
        {
            var reply = new MessageEnvelope(
                OutboxIds.Derive(entry.Envelope.Entity, entry.Envelope.MessageId, 0, purpose: "rejected"),
                Key,
                replyType,
                System.Text.Json.JsonSerializer.Serialize(new { reason = outcome.Reason }));
            var answer = await SendAsync(reply);
            if (!answer.IsTerminal && answer.Status != OutcomeStatus.Accepted)
            {
                // A compensation this entity refuses (a misspelt type, invalid data) would be lost with
                // the outbox entry: set it aside with its reason instead.
                LogDeliveryRefused(Key, Key, reply.MessageId, answer.Status.ToWireName(), answer.Reason);
                await DeadLetterAsync(reply, "outbox", 1, $"compensation {replyType}: {answer.Status.ToWireName()}: {answer.Reason ?? answer.Detail}");
            }
        }
        else if (!outcome.IsTerminal && outcome.Status != OutcomeStatus.Accepted)
        {
            // Retrying cannot change a refusal (invalid, reused id, expired): set it aside with its reason.
            LogDeliveryRefused(Key, entry.Envelope.Entity, entry.Envelope.MessageId, outcome.Status.ToWireName(), outcome.Reason);
            await DeadLetterAsync(entry.Envelope, "outbox", 1, $"{outcome.Status.ToWireName()}: {outcome.Reason ?? outcome.Detail}");
        }
    }

    /// <summary>
    /// Puts a dead-lettered effect back into the outbox, then removes its dead letter while still
    /// holding the write gate: the dispatcher cannot send it, and set it aside again under the same
    /// dead-letter id, before the old entry is gone (removing it afterwards could delete the new one).
    /// </summary>
    public async Task RequeueEffectAsync(MessageEnvelope identity, HttpEffect call)
    {
        ArgumentNullException.ThrowIfNull(identity);
        await CommitAsync(
            current => (null, EntityEngine.Outboxed(current, new OutboxEntry(identity, Call: call))),
            identity.MessageId,
            afterCommit: () => GrainFactory.GetGrain<IDeadLetterGrain>(IDeadLetterGrain.Key).RemoveAsync(DeadLetterId(identity)));
    }

    /// <summary>
    /// Removes the reminder if the committed outbox is empty. The one rule: a reminder is registered
    /// while the committed outbox holds anything. Decided and done under the write gate, so no commit
    /// can add an entry in between (it would see the reminder still registered, skip registering, and
    /// a crash would then leave its entry with nothing to wake it); a commit that comes after finds
    /// the flag cleared and registers again.
    /// </summary>
    private async Task ForgetReminderIfEmptyAsync()
    {
        await _writeGate.WaitAsync();
        try
        {
            await _store.EnsureLoadedAsync();
            if (_store.Current.Outbox.Count > 0)
            {
                return;
            }

            var reminder = await this.GetReminder(DispatchReminder);
            if (reminder is not null)
            {
                await this.UnregisterReminder(reminder);
            }

            _reminderRegistered = false;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>
    /// The dispatcher reads the outbox under the write gate, unlike readers: a requeue puts an effect
    /// back and removes its old dead letter in one turn under the gate, and the dispatcher must not
    /// send (and set aside again, under the same id) the effect in between.
    /// </summary>
    private async Task<T> ReadOutboxAsync<T>(Func<EntityRecord, T> read)
    {
        await _writeGate.WaitAsync();
        try
        {
            await _store.EnsureLoadedAsync();
            return read(_store.Current);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Entity} could not register its outbox reminder; delivery resumes on its next activation")]
    private partial void LogReminderFailed(Exception exception, EntityKey entity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Entity} outbox message {MessageId} to {Target} not delivered yet; retrying")]
    private partial void LogDeliveryFailed(Exception exception, EntityKey entity, EntityKey target, MessageId messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Entity} outbox dispatch failed in storage; retrying")]
    private partial void LogDispatchFailed(Exception exception, EntityKey entity);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Entity} outbox message {MessageId} to {Target} was refused: {Status} ({Reason})")]
    private partial void LogDeliveryRefused(EntityKey entity, EntityKey target, MessageId messageId, string status, string? reason);
}
