using System.Diagnostics;
using Once.Abstractions;
using Once.Client;

namespace Once.Benchmarks;

/// <summary>
/// Sends deposits to fresh accounts entities by the two paths. A, direct call: the producer calls the
/// entity and has the outcome back once it is committed to PostgreSQL. B, durable stream: the producer
/// publishes to the entity's stream (stored in the PostgreSQL queue) and moves on; the message counts as
/// applied at its outcome's <c>FirstSeenAt</c>, which the entity grain stamps when it processes the
/// message, so reading the outcomes afterwards (polling) does not change the measured latency.
/// </summary>
internal sealed class StreamRunner(IClusterClient client, EntityStreamPublisher publisher, TimeProvider time)
{
    private static readonly TimeSpan PollPeriod = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan PacedPollPeriod = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan ApplyTimeout = TimeSpan.FromMinutes(2);

    /// <summary>A: every producer sends its messages one after the other, each awaited until committed.</summary>
    public async Task<Measurement> DirectAsync(string run, int producers, int entities, int messages)
    {
        var plan = Plan(run, producers, entities, messages);
        var clock = Stopwatch.StartNew();
        var latencies = (await Task.WhenAll(plan.Select(SendAllAsync))).SelectMany(l => l).ToArray();
        return new Measurement(latencies, latencies, clock.Elapsed);
    }

    /// <summary>
    /// B with one message in flight: publish, poll its outcome until it is there, then publish the next.
    /// The latency is free of queueing; the polling paces the run, so its throughput means nothing.
    /// </summary>
    public async Task<Measurement> StreamPacedAsync(string run, int entities, int messages)
    {
        var latencies = new List<double>(messages);
        var waits = new List<double>(messages);
        var clock = Stopwatch.StartNew();
        using var timer = new PeriodicTimer(PacedPollPeriod);
        foreach (var message in Plan(run, 1, entities, messages)[0])
        {
            var published = await PublishAsync(message);
            var waited = Stopwatch.StartNew();
            MessageOutcome? outcome;
            while ((outcome = await client.GetOutcomeAsync(message.Entity, message.MessageId)) is null)
            {
                if (waited.Elapsed > ApplyTimeout)
                {
                    throw new TimeoutException($"{message.Entity} {message.MessageId}: not applied after {ApplyTimeout.TotalSeconds:0} s.");
                }

                await timer.WaitForNextTickAsync();
            }

            if (outcome is not { Status: OutcomeStatus.Applied, FirstSeenAt: { } appliedAt })
            {
                throw Unexpected(message, outcome);
            }

            latencies.Add((appliedAt - published.At).TotalMilliseconds);
            waits.Add(published.WaitMs);
        }

        return new Measurement([.. latencies], [.. waits], clock.Elapsed);
    }

    /// <summary>B flat out: every producer publishes its messages one after the other; then wait until all are applied.</summary>
    public async Task<Measurement> StreamAsync(string run, int producers, int entities, int messages)
    {
        var plan = Plan(run, producers, entities, messages);
        var started = time.GetUtcNow();
        var published = (await Task.WhenAll(plan.Select(PublishAllAsync))).SelectMany(p => p).ToArray();
        await WaitUntilAppliedAsync(published.Select(p => p.Message));

        var outcomes = await Task.WhenAll(published.Select(p => client.GetOutcomeAsync(p.Message.Entity, p.Message.MessageId)));
        var appliedAt = outcomes
            .Select((o, i) => o is { Status: OutcomeStatus.Applied, FirstSeenAt: { } at } ? at : throw Unexpected(published[i].Message, o))
            .ToArray();
        var latencies = appliedAt.Select((at, i) => (at - published[i].At).TotalMilliseconds).ToArray();
        return new Measurement(latencies, [.. published.Select(p => p.WaitMs)], appliedAt.Max() - started);
    }

    /// <summary>
    /// Deposits with fresh GUID ids, round-robin over <paramref name="entities"/> fresh entities; producer
    /// <c>p</c> owns the entities whose number modulo <paramref name="producers"/> is <c>p</c>, so
    /// producers never wait on each other's entities and every entity sees its messages in order.
    /// </summary>
    private static MessageEnvelope[][] Plan(string run, int producers, int entities, int messages)
    {
        var plan = Enumerable.Range(0, producers).Select(_ => new List<MessageEnvelope>()).ToArray();
        for (var i = 0; i < messages; i++)
        {
            var entity = i % entities;
            plan[entity % producers].Add(Accounts.Deposit(Accounts.NewId(), $"{run}-{entity}"));
        }

        return [.. plan.Select(p => p.ToArray())];
    }

    private async Task<List<double>> SendAllAsync(MessageEnvelope[] messages)
    {
        var latencies = new List<double>(messages.Length);
        foreach (var message in messages)
        {
            var started = Stopwatch.GetTimestamp();
            var outcome = await client.SendAsync(message);
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (outcome is not { Status: OutcomeStatus.Applied, Replayed: false })
            {
                throw Unexpected(message, outcome);
            }
        }

        return latencies;
    }

    private async Task<List<Published>> PublishAllAsync(MessageEnvelope[] messages)
    {
        var published = new List<Published>(messages.Length);
        foreach (var message in messages)
        {
            published.Add(await PublishAsync(message));
        }

        return published;
    }

    private async Task<Published> PublishAsync(MessageEnvelope message)
    {
        var at = time.GetUtcNow();
        var started = Stopwatch.GetTimestamp();
        var result = await publisher.PublishAsync(message);
        var waitMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return result.Accepted
            ? new Published(message, at, waitMs)
            : throw new InvalidOperationException($"{message.Entity} {message.MessageId}: the publisher refused the deposit: {result.Error}");
    }

    /// <summary>
    /// Every entity is fresh and every deposit applies, so an entity is done when its version equals its
    /// number of messages. Asks each unfinished entity once per tick, only after publishing ended.
    /// </summary>
    private async Task WaitUntilAppliedAsync(IEnumerable<MessageEnvelope> messages)
    {
        var pending = messages.CountBy(m => m.Entity).ToDictionary();
        var waited = Stopwatch.StartNew();
        using var timer = new PeriodicTimer(PollPeriod);
        while (pending.Count > 0 && await timer.WaitForNextTickAsync())
        {
            var versions = await Task.WhenAll(pending.Keys.Select(async e => (Entity: e, Version: (await client.GetEntityAsync(e))?.Version ?? 0)));
            foreach (var (entity, version) in versions)
            {
                if (version > pending[entity])
                {
                    throw new InvalidOperationException($"{entity} is at version {version} after {pending[entity]} deposits: a message was applied twice.");
                }

                if (version == pending[entity])
                {
                    pending.Remove(entity);
                }
            }

            if (pending.Count > 0 && waited.Elapsed > ApplyTimeout)
            {
                throw new TimeoutException($"{pending.Count} entities still had stream messages not applied after {ApplyTimeout.TotalSeconds:0} s.");
            }
        }
    }

    private static InvalidOperationException Unexpected(MessageEnvelope message, MessageOutcome? outcome) =>
        new($"{message.Entity} {message.MessageId}: expected the deposit to be applied once, got {outcome?.ToString() ?? "no outcome"}.");

    private readonly record struct Published(MessageEnvelope Message, DateTimeOffset At, double WaitMs);
}
