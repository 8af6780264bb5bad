using static Once.Postgres.Tests.PostgresCluster;

using Once.Abstractions;
using Once.Core;
using Once.Client;

namespace Once.Postgres.Tests;

/// <summary>
/// On the durable ADO.NET queue: a message whose processing keeps failing is set aside with its
/// reason, the dead letter outlives a full cluster restart, and a requeue once the cause is fixed is
/// applied once. A consumer that fails once is retried from the queue instead.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class DeadLetterTests(PostgresServer postgres)
{
    [Fact]
    public async Task PoisonOnDurableQueue_DeadLetterSurvivesRestart_RequeuedOnceFixedAppliedOnceThenReplayed()
    {
        var run = await PoisonRestartRequeueAsync(DeliveryGuarantee.ExactlyOnce);

        Assert.Equal((OutcomeStatus.Applied, 1L, false), (run.Requeued.Status, run.Requeued.Version, run.Requeued.Replayed));
        Assert.Equal(run.Requeued with { Replayed = true }, run.SentAgain);
        Assert.Equal(1L, run.FinalVersion);
    }

    [Fact]
    public async Task PoisonRequeuedThenSentAgain_DedupOff_NegativeControlAppliedTwice()
    {
        var run = await PoisonRestartRequeueAsync(DeliveryGuarantee.AtLeastOnce);

        Assert.Equal((OutcomeStatus.Applied, 1L), (run.Requeued.Status, run.Requeued.Version));
        Assert.Equal((OutcomeStatus.Applied, 2L, false), (run.SentAgain.Status, run.SentAgain.Version, run.SentAgain.Replayed));
        Assert.Equal(2L, run.FinalVersion);
    }

    [Fact]
    public async Task ConsumerFailsOnceThenRecovers_DurableQueueRetries_AppliedOnceAndNothingDeadLettered()
    {
        var run = await FailOnceAsync(ConsumerMaxAttempts);

        Assert.Equal((OutcomeStatus.Applied, 1L), (run.Outcome?.Status, run.Outcome?.Version));
        Assert.Null(run.DeadLetter);
        Assert.Equal(1, run.Failures);
    }

    [Fact]
    public async Task ConsumerFailsOnce_NoRetries_NegativeControlDeadLetteredNotApplied()
    {
        var run = await FailOnceAsync(consumerMaxAttempts: 1);

        Assert.Null(run.Outcome);
        Assert.Equal(("stream", 1), (run.DeadLetter?.Source, run.DeadLetter?.Attempts));
        Assert.Equal(1, run.Failures);
    }

    /// <summary>
    /// Publishes a poison message on the durable queue and waits for its dead letter; stops the
    /// cluster; starts a new one on the same database and service id; fixes the cause; requeues the
    /// dead letter like <c>POST /v1/dead-letters/{id}/requeue</c>, then sends it once more.
    /// </summary>
    private async Task<PoisonRun> PoisonRestartRequeueAsync(DeliveryGuarantee guarantee)
    {
        var database = await postgres.CreateDatabaseAsync();
        var serviceId = "poison-" + Guid.NewGuid().ToString("N")[..8];
        var flaky = new FlakyHandler { Failing = true };
        EntityRegistration[] types = [new(flaky, guarantee)];
        var entity = new EntityKey(FlakyHandler.TypeName, "f-" + Guid.NewGuid().ToString("N"));
        var poison = new MessageEnvelope(new MessageId("poison-1"), entity, "work", "{}");

        DeadLetter deadLetter;
        await using (var before = await StartAsync(database, serviceId, streams: true, extraTypes: types))
        {
            Assert.True((await new EntityStreamPublisher(before.Client).PublishAsync(poison)).Accepted);
            var store = before.Client.GetGrain<IDeadLetterGrain>(IDeadLetterGrain.Key);
            deadLetter = await Eventually.FoundAsync(
                async () => (await store.ListAsync(0, 500)).Items.SingleOrDefault(d => d.Envelope.Entity == entity), "nothing was dead-lettered");

            Assert.Null(await before.Client.GetOutcomeAsync(entity, poison.MessageId));
            Assert.Null(await before.Client.GetEntityAsync(entity));

            // Set aside by the entity, the message left the queue: confirmed, not leased again and not
            // in the queue's own dead-letter table.
            await Eventually.MatchAsync(() => QueueRowsAsync(database), rows => rows == (0, 0), "the poison message stayed in the queue");
        }

        Assert.Equal(("stream", ConsumerMaxAttempts, poison), (deadLetter.Source, deadLetter.Attempts, deadLetter.Envelope));
        Assert.Contains("the flaky handler failed", deadLetter.Reason, StringComparison.Ordinal);
        Assert.Equal(ConsumerMaxAttempts, flaky.Failures);

        await using var after = await StartAsync(database, serviceId, streams: true, extraTypes: types);
        var restartedStore = after.Client.GetGrain<IDeadLetterGrain>(IDeadLetterGrain.Key);
        var kept = await restartedStore.GetAsync(deadLetter.Id);
        Assert.Equal(deadLetter, kept);

        // The operator fixes the cause and requeues: send the envelope, remove it once it has a terminal outcome.
        flaky.Failing = false;
        var requeued = await after.Client.SendAsync(kept!.Envelope);
        Assert.True(requeued.IsTerminal);
        Assert.True(await restartedStore.RemoveAsync(kept.Id));
        Assert.Null(await restartedStore.GetAsync(kept.Id));

        // A second requeue (an operator's double click, a copy of the dead letter elsewhere).
        var sentAgain = await after.Client.SendAsync(kept.Envelope);
        var snapshot = await after.Client.GetEntityAsync(entity);
        Assert.Equal(ConsumerMaxAttempts, flaky.Failures);
        return new PoisonRun(requeued, sentAgain, snapshot!.Version);
    }

    /// <summary>Publishes a message whose first processing attempt fails; waits until it is applied or dead-lettered.</summary>
    private async Task<FailOnceRun> FailOnceAsync(int consumerMaxAttempts)
    {
        var database = await postgres.CreateDatabaseAsync();
        var flaky = new FlakyHandler();
        flaky.FailNext(1);
        EntityRegistration[] types = [new(flaky)];
        var entity = new EntityKey(FlakyHandler.TypeName, "f-" + Guid.NewGuid().ToString("N"));
        var message = new MessageEnvelope(new MessageId("transient-1"), entity, "work", "{}");
        await using var cluster = await StartAsync(
            database, "transient-" + Guid.NewGuid().ToString("N")[..8], streams: true, extraTypes: types, consumerMaxAttempts: consumerMaxAttempts);
        var store = cluster.Client.GetGrain<IDeadLetterGrain>(IDeadLetterGrain.Key);

        Assert.True((await new EntityStreamPublisher(cluster.Client).PublishAsync(message)).Accepted);
        var (outcome, deadLetter) = await Eventually.MatchAsync(
            async () => (
                await cluster.Client.GetOutcomeAsync(entity, message.MessageId),
                (await store.ListAsync(0, 500)).Items.SingleOrDefault(d => d.Envelope.Entity == entity)),
            found => found.Item1 is not null || found.Item2 is not null,
            "neither applied nor dead-lettered");
        await Eventually.MatchAsync(() => QueueRowsAsync(database), rows => rows == (0, 0), "the message stayed in the queue");
        return new FailOnceRun(outcome, deadLetter, flaky.Failures);
    }

    private sealed record PoisonRun(MessageOutcome Requeued, MessageOutcome SentAgain, long FinalVersion);

    private sealed record FailOnceRun(MessageOutcome? Outcome, DeadLetter? DeadLetter, int Failures);
}
