namespace Once.Client;

/// <summary>
/// The entity streams (section <c>Once:Streams</c>). Durations are TimeSpans; every value is
/// validated at start.
/// </summary>
public sealed class OnceStreamOptions
{
    /// <summary>Where stream messages queue: Memory (lost with the silo; development) or Postgres
    /// (durable ADO.NET queue). Default: the same as <c>Once:Storage</c>.</summary>
    public StorageKind? Provider { get; set; }

    /// <summary>How many queues messages spread over (pulling agents are spread over silos). Default: 8.</summary>
    public int Partitions { get; set; } = 8;

    /// <summary>How long a dequeued message stays invisible before another agent may take it again;
    /// must exceed <see cref="MaxDeliveryTime"/>. Default: 00:02:00.</summary>
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long a silo keeps retrying the delivery of one message to its entity. Default: 00:01:00.</summary>
    public TimeSpan MaxDeliveryTime { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long an unconfirmed message may wait before it is dead-lettered; long enough that an
    /// outage does not dead-letter the backlog. Default: 7.00:00:00.</summary>
    public TimeSpan ExpiryTimeout { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How many deliveries of one message may fail at its entity (the handler throws, storage is down)
    /// before the entity sets it aside in the dead-letter store with the failure's reason. Default: 5.
    /// </summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>
    /// How many times the queue hands out one message before it dead-letters the message itself
    /// (source <c>queue</c>): the backstop for deliveries that never come back, such as a silo dying in
    /// every one. Must be higher than <see cref="MaxAttempts"/>, so a failing message reaches the
    /// dead-letter store with its reason first. Default: 20.
    /// </summary>
    public int QueueMaxAttempts { get; set; } = 20;

    /// <summary>
    /// How soon a silo looks again at a queue it owns once a read found it empty (a queue with messages
    /// is read again at once, until it is empty). This is the wake-up period of every queue's pulling
    /// agent, idle or not: a shorter one answers a lone message sooner and costs every silo more wake-ups
    /// while nothing happens. Durable (Postgres) streams only; at most <see cref="IdlePollInterval"/>
    /// (a longer one is cut to it). Default: 00:00:00.200.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// How long a queue that was found empty may go unpolled: after an empty read a silo waits
    /// <see cref="PollInterval"/>, then twice as long after each further empty read, up to this, and
    /// polls every <see cref="PollInterval"/> again as soon as a read returns messages. An idle cluster
    /// then costs almost nothing; the first message after a quiet spell waits up to this long. Default: 00:00:01.
    /// </summary>
    public TimeSpan IdlePollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The poll interval in effect: <see cref="PollInterval"/>, cut to <see cref="IdlePollInterval"/>.</summary>
    internal TimeSpan EffectivePollInterval => PollInterval < IdlePollInterval ? PollInterval : IdlePollInterval;

    public IEnumerable<string> Validate()
    {
        if (IdlePollInterval < TimeSpan.FromMilliseconds(100) || IdlePollInterval > TimeSpan.FromMinutes(1))
        {
            yield return $"Once:Streams:IdlePollInterval must be between 00:00:00.1 and 00:01:00 (was {IdlePollInterval}).";
        }

        if (PollInterval < TimeSpan.FromMilliseconds(10) || PollInterval > TimeSpan.FromMinutes(1))
        {
            yield return $"Once:Streams:PollInterval must be between 00:00:00.010 and 00:01:00 (was {PollInterval}).";
        }

        if (Provider is { } provider && provider is not (StorageKind.Memory or StorageKind.Postgres))
        {
            yield return $"Once:Streams:Provider must be Memory or Postgres (was {provider}).";
        }

        if (Partitions is < 2 or > 1024)
        {
            yield return $"Once:Streams:Partitions must be between 2 and 1024 (was {Partitions}).";
        }

        if (MaxDeliveryTime <= TimeSpan.Zero)
        {
            yield return $"Once:Streams:MaxDeliveryTime must be positive (was {MaxDeliveryTime}).";
        }

        if (VisibilityTimeout <= MaxDeliveryTime)
        {
            yield return $"Once:Streams:VisibilityTimeout ({VisibilityTimeout}) must be greater than Once:Streams:MaxDeliveryTime ({MaxDeliveryTime}), or delivered messages are leased again.";
        }

        if (ExpiryTimeout < TimeSpan.FromHours(1))
        {
            yield return $"Once:Streams:ExpiryTimeout must be at least 01:00:00 so an outage does not dead-letter the backlog (was {ExpiryTimeout}).";
        }

        if (MaxAttempts is < 1 or > 100)
        {
            yield return $"Once:Streams:MaxAttempts must be between 1 and 100 (was {MaxAttempts}).";
        }

        if (QueueMaxAttempts <= MaxAttempts || QueueMaxAttempts > 1000)
        {
            yield return $"Once:Streams:QueueMaxAttempts ({QueueMaxAttempts}) must be greater than Once:Streams:MaxAttempts ({MaxAttempts}) and at most 1000, "
                + "or the queue dead-letters a failing message before its entity records why.";
        }
    }
}
