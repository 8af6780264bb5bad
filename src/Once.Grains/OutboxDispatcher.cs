using Microsoft.Extensions.Logging;
using Once.Abstractions;
using Once.Core;

namespace Once.Grains;

/// <summary>What the outbox dispatcher needs of its entity.</summary>
internal interface IOutboxOwner
{
    EntityKey Key { get; }

    /// <summary>Runs <paramref name="action"/> on the committed state under the entity's write gate, so
    /// no commit runs beside it.</summary>
    Task<T> UnderWriteGateAsync<T>(Func<EntityRecord, Task<T>> action);

    /// <summary>Commits the removal of delivered entries from the outbox.</summary>
    Task CommitDeliveredAsync(IReadOnlyList<MessageId> delivered);

    /// <summary>Sends a message to the entity itself (a compensation), as any sender would.</summary>
    Task<MessageOutcome> SendToSelfAsync(MessageEnvelope message);

    /// <summary>Sets a message aside in the dead-letter store with its reason.</summary>
    Task DeadLetterAsync(MessageEnvelope envelope, string source, int attempts, string reason, HttpEffect? call = null);
}

/// <summary>
/// Delivers an entity's emitted messages at least once to their targets, whose ledgers apply them
/// once. It runs on a grain timer that interleaves with message turns (so two entities emitting to
/// each other cannot deadlock) and reads the committed outbox under the write gate.
/// <para>
/// One rule for the reminder, derived from the committed outbox: the reminder is registered while the
/// committed outbox holds anything, and removed when it is empty. Both are decided under the write
/// gate (<see cref="CommittedAsync"/> after a commit, <see cref="ForgetReminderIfEmptyAsync"/> after a
/// dispatch), so no commit can add an entry between "the outbox is empty" and the removal; if the
/// silo dies with entries left, the reminder activates the entity elsewhere and delivery resumes.
/// </para>
/// </summary>
internal sealed partial class OutboxDispatcher(
    IOutboxOwner owner,
    IGrainBase grain,
    IGrainFactory grains,
    WebhookSender webhooks,
    WebhookOptions webhookOptions,
    OnceMetrics metrics,
    ILogger logger)
{
    public const string ReminderName = "once-outbox";

    private static readonly TimeSpan FirstRetryPause = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxRetryPause = TimeSpan.FromSeconds(30);

    private readonly Dictionary<MessageId, int> _callAttempts = [];
    private IGrainTimer? _timer;
    private TimeSpan _retryPause = FirstRetryPause;
    private bool _reminderRegistered;

    /// <summary>Called under the write gate after every commit and after loading: delivery starts at
    /// once when the committed outbox holds anything, and the reminder is registered.</summary>
    public async Task CommittedAsync(EntityRecord committed)
    {
        if (committed.Outbox.Count > 0)
        {
            Schedule(TimeSpan.Zero);
            await RegisterReminderAsync();
        }
    }

    /// <summary>The reminder fired: deliver what is left, or forget the reminder if nothing is.</summary>
    public async Task ReminderAsync()
    {
        var left = await owner.UnderWriteGateAsync(current => Task.FromResult(current.Outbox.Count));
        if (left > 0)
        {
            Schedule(TimeSpan.Zero);
        }
        else
        {
            await ForgetReminderIfEmptyAsync();
        }
    }

    private void Schedule(TimeSpan due)
    {
        if (_timer is null)
        {
            _timer = grain.RegisterGrainTimer(
                DispatchAsync,
                new GrainTimerCreationOptions { DueTime = due, Period = Timeout.InfiniteTimeSpan, Interleave = true, KeepAlive = true });
        }
        else
        {
            _timer.Change(due, Timeout.InfiniteTimeSpan);
        }
    }

    private async Task RegisterReminderAsync()
    {
        if (_reminderRegistered)
        {
            return;
        }

        // The outbox itself is durable, so a failure here only delays delivery until the next activation.
        try
        {
            await grain.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
            _reminderRegistered = true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogReminderFailed(logger, e, owner.Key);
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
            LogDispatchFailed(logger, e, owner.Key);
            retry = true;
        }

        if (retry)
        {
            // Entries are left (or storage could not tell): registering a reminder too many is harmless,
            // it forgets itself on an empty outbox. Only the removal needs the write gate.
            Schedule(_retryPause);
            await RegisterReminderAsync();
            _retryPause = TimeSpan.FromTicks(Math.Min(_retryPause.Ticks * 2, MaxRetryPause.Ticks));
            return;
        }

        _retryPause = FirstRetryPause;
        await ForgetReminderIfEmptyAsync();
    }

    /// <summary>
    /// Removes the reminder if the committed outbox is empty, under the write gate: a commit that
    /// comes after finds the flag cleared and registers again.
    /// </summary>
    private Task ForgetReminderIfEmptyAsync() => owner.UnderWriteGateAsync(async current =>
    {
        if (current.Outbox.Count > 0)
        {
            return false;
        }

        var reminder = await grain.GetReminder(ReminderName);
        if (reminder is not null)
        {
            await grain.UnregisterReminder(reminder);
        }

        _reminderRegistered = false;
        return true;
    });

    /// <summary>Delivers the committed outbox once and commits what was delivered; true when something must be tried again.</summary>
    private async Task<bool> DeliverPendingAsync()
    {
        // Read under the write gate: a requeue puts an effect back and removes its old dead letter in
        // one turn under the gate, and the dispatcher must not send (and set aside again, under the
        // same id) the effect in between.
        var pending = await owner.UnderWriteGateAsync(current => Task.FromResult<IReadOnlyList<OutboxEntry>>([.. current.Outbox]));

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
                LogDeliveryFailed(logger, e, owner.Key, entry.Envelope.Entity, entry.Envelope.MessageId);
                failed = true;
            }
        }

        if (delivered.Count > 0)
        {
            await owner.CommitDeliveredAsync(delivered);
        }

        return failed;
    }

    /// <summary>Sends one emitted message; a rejection comes back as the compensation message, if one was named.</summary>
    private async Task DeliverAsync(OutboxEntry entry)
    {
        using var span = OnceTracing.StartDelivery(owner.Key, entry);
        try
        {
            await DeliverOnceAsync(entry);
        }
        catch (Exception e)
        {
            span?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, e.GetBaseException().Message);
            throw;
        }
    }

    private async Task DeliverOnceAsync(OutboxEntry entry)
    {
        if (entry.Call is { } call)
        {
            await CallAsync(entry, call);
            return;
        }

        var outcome = await grains.SendAsync(entry.Envelope);
        metrics.OutboxDelivered(owner.Key.Type, outcome);
        if (outcome.Status == OutcomeStatus.Rejected && entry.OnRejected is { } replyType)
        {
            var reply = new MessageEnvelope(
                OutboxIds.Derive(entry.Envelope.Entity, entry.Envelope.MessageId, 0, purpose: "rejected"),
                owner.Key,
                replyType,
                System.Text.Json.JsonSerializer.Serialize(new { reason = outcome.Reason }));
            var answer = await owner.SendToSelfAsync(reply);
            if (!answer.IsTerminal && answer.Status != OutcomeStatus.Accepted)
            {
                // A compensation this entity refuses (a misspelt type, invalid data) would be lost with
                // the outbox entry: set it aside with its reason instead.
                LogDeliveryRefused(logger, owner.Key, owner.Key, reply.MessageId, answer.Status.ToWireName(), answer.Reason);
                await owner.DeadLetterAsync(reply, "outbox", 1, $"compensation {replyType}: {answer.Status.ToWireName()}: {answer.Reason ?? answer.Detail}");
            }
        }
        else if (!outcome.IsTerminal && outcome.Status != OutcomeStatus.Accepted)
        {
            // Retrying cannot change a refusal (invalid, reused id, expired): set it aside with its reason.
            LogDeliveryRefused(logger, owner.Key, entry.Envelope.Entity, entry.Envelope.MessageId, outcome.Status.ToWireName(), outcome.Reason);
            await owner.DeadLetterAsync(entry.Envelope, "outbox", 1, $"{outcome.Status.ToWireName()}: {outcome.Reason ?? outcome.Detail}");
        }
    }

    /// <summary>
    /// Sends one HTTP effect. 2xx: done. A target the settings do not allow (never contacted), a
    /// redirect (not followed) or a 4xx other than 408 and 429 will not change by retrying: set aside.
    /// Anything else (5xx, no answer) throws so the dispatcher retries with backoff, until the
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

            if (status is >= 300 and < 500 and not 408 and not 429)
            {
                _callAttempts.Remove(id);
                var redirect = status < 400 ? " (redirects are not followed)" : "";
                await owner.DeadLetterAsync(entry.Envelope, "webhook", 1, $"{call.Url} answered {status}{redirect}", call);
                return;
            }

            failure = $"{call.Url} answered {status}";
        }
        catch (WebhookTargetRefusedException e)
        {
            _callAttempts.Remove(id);
            LogTargetRefused(logger, owner.Key, id, call.Url, e.Message);
            await owner.DeadLetterAsync(entry.Envelope, "webhook", 1, $"{call.Url} not allowed: {e.Message}", call);
            return;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            failure = $"{call.Url}: {e.Message}";
        }

        var attempts = _callAttempts.GetValueOrDefault(id) + 1;
        if (attempts >= webhookOptions.MaxAttempts)
        {
            _callAttempts.Remove(id);
            await owner.DeadLetterAsync(entry.Envelope, "webhook", attempts, failure, call);
            return;
        }

        _callAttempts[id] = attempts;
        throw new HttpRequestException(failure);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Entity} could not register its outbox reminder; delivery resumes on its next activation")]
    private static partial void LogReminderFailed(ILogger logger, Exception exception, EntityKey entity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Entity} outbox message {MessageId} to {Target} not delivered yet; retrying")]
    private static partial void LogDeliveryFailed(ILogger logger, Exception exception, EntityKey entity, EntityKey target, MessageId messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Entity} outbox dispatch failed in storage; retrying")]
    private static partial void LogDispatchFailed(ILogger logger, Exception exception, EntityKey entity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Entity} effect {MessageId} to {Url} is not sent, the target is not allowed: {Reason}")]
    private static partial void LogTargetRefused(ILogger logger, EntityKey entity, MessageId messageId, string url, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Entity} outbox message {MessageId} to {Target} was refused: {Status} ({Reason})")]
    private static partial void LogDeliveryRefused(ILogger logger, EntityKey entity, EntityKey target, MessageId messageId, string status, string? reason);
}
