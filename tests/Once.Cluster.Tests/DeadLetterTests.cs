
using Once.Abstractions;
using Once.Core;

namespace Once.Cluster.Tests;

/// <summary>A message whose processing keeps failing is set aside with its reason, never dropped, and can be requeued.</summary>
[Collection(ClusterCollection.Name)]
public sealed class DeadLetterTests(ClusterFixture fixture)
{
    [Fact]
    public async Task PoisonOnTheStream_AfterMaxAttempts_DeadLetteredWithReason_RequeuedOnceFixed()
    {
        var entity = new EntityKey(FlakyHandler.TypeName, "f-" + Guid.NewGuid().ToString("N"));
        var poison = new MessageEnvelope(new MessageId("poison-1"), entity, "work", "{}");
        var store = fixture.Client.GetGrain<IDeadLetterGrain>(IDeadLetterGrain.Key);
        fixture.Flaky.Failing = true;
        try
        {
            await fixture.Publisher.PublishAsync(poison);
            var deadLetter = await Eventually.FoundAsync(async () => (await store.ListAsync(0, 500)).Items.SingleOrDefault(d => d.Envelope.Entity == entity), "nothing was dead-lettered");

            Assert.Equal(("stream", 2), (deadLetter.Source, deadLetter.Attempts));
            Assert.Contains("the flaky handler failed", deadLetter.Reason, StringComparison.Ordinal);
            Assert.Equal(poison, deadLetter.Envelope);
            Assert.Null(await fixture.Client.GetOutcomeAsync(entity, poison.MessageId));

            // The operator fixes the cause and requeues (what POST /v1/dead-letters/{id}/requeue does).
            fixture.Flaky.Failing = false;
            var outcome = await fixture.Client.SendAsync(deadLetter.Envelope);
            Assert.True(await store.RemoveAsync(deadLetter.Id));

            Assert.Equal((OutcomeStatus.Applied, 1L), (outcome.Status, outcome.Version));
            Assert.Null(await store.GetAsync(deadLetter.Id));
        }
        finally
        {
            fixture.Flaky.Failing = false;
        }
    }

    [Fact]
    public async Task ConsumerFailsOnceThenRecovers_StreamRetries_AppliedOnceAndNothingDeadLettered()
    {
        var entity = new EntityKey(FlakyHandler.TypeName, "f-" + Guid.NewGuid().ToString("N"));
        var store = fixture.Client.GetGrain<IDeadLetterGrain>(IDeadLetterGrain.Key);
        var failuresBefore = fixture.Flaky.Failures;
        fixture.Flaky.FailNext(1);
        try
        {
            await fixture.Publisher.PublishAsync(new MessageEnvelope(new MessageId("transient-1"), entity, "work", "{}"));
            var outcome = await Eventually.FoundAsync(() => fixture.Client.GetOutcomeAsync(entity, new MessageId("transient-1")), "never applied");

            Assert.Equal((OutcomeStatus.Applied, 1L), (outcome.Status, outcome.Version));
            Assert.True(fixture.Flaky.Failures > failuresBefore, "the handler never failed, so the retry was not exercised");
            Assert.DoesNotContain((await store.ListAsync(0, 500)).Items, d => d.Envelope.Entity == entity);
        }
        finally
        {
            fixture.Flaky.FailNext(0);
        }
    }

    [Fact]
    public async Task OutboxMessageRefusedByItsTarget_IsDeadLetteredNotDropped()
    {
        // Orders of this type pay from "ghosts", an entity type no silo knows: the target refuses.
        var order = new EntityKey(ClusterFixture.GhostOrders, "o-" + Guid.NewGuid().ToString("N"));
        var store = fixture.Client.GetGrain<IDeadLetterGrain>(IDeadLetterGrain.Key);
        await fixture.Client.SendAsync(new MessageEnvelope(new MessageId("place"), order, "place", """{"total":1,"account":"nobody"}"""));

        await fixture.Client.SendAsync(new MessageEnvelope(new MessageId("pay"), order, "pay", "{}"));
        var deadLetter = await Eventually.FoundAsync(
            async () => (await store.ListAsync(0, 500)).Items.SingleOrDefault(d => d.Envelope.MessageId == OutboxIds.Derive(order, new MessageId("pay"), 0)),
            "nothing was dead-lettered");

        Assert.Equal("outbox", deadLetter.Source);
        Assert.Contains(MessageErrors.UnknownEntityType, deadLetter.Reason, StringComparison.Ordinal);
        Assert.Equal(new EntityKey("ghosts", "nobody"), deadLetter.Envelope.Entity);
    }

    [Fact]
    public async Task CompensationComesBackInvalid_IsDeadLetteredNotDropped()
    {
        // The account rejects the withdrawal; the compensation it names does not exist on the order type.
        var order = new EntityKey(MisspeltCompensationHandler.TypeName, "o-" + Guid.NewGuid().ToString("N"));
        var store = fixture.Client.GetGrain<IDeadLetterGrain>(IDeadLetterGrain.Key);
        var account = "poor-" + Guid.NewGuid().ToString("N")[..8];

        await fixture.Client.SendAsync(new MessageEnvelope(new MessageId("pay"), order, "pay", $$"""{"account":"{{account}}"}"""));
        var withdrawal = OutboxIds.Derive(order, new MessageId("pay"), 0);
        var deadLetter = await Eventually.FoundAsync(
            async () => (await store.ListAsync(0, 500)).Items.SingleOrDefault(d => d.Envelope.Entity == order && d.Envelope.MessageType == "payment-rejectd"),
            "the invalid compensation was dropped, not dead-lettered");

        Assert.Equal("outbox", deadLetter.Source);
        Assert.Contains(MessageErrors.UnknownMessageType, deadLetter.Reason, StringComparison.Ordinal);
        Assert.Equal(OutboxIds.Derive(new EntityKey("accounts", account), withdrawal, 0, purpose: "rejected"), deadLetter.Envelope.MessageId);
    }
}
