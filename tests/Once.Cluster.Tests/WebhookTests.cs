using Once.Abstractions;
using Once.Core;

namespace Once.Cluster.Tests;

/// <summary>
/// External side effects: shipping an order with a notify URL POSTs to it through the outbox, at least
/// once, always with the same Idempotency-Key (the effect id), never with two different keys.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class WebhookTests(ClusterFixture fixture)
{
    private IClusterClient Client => fixture.Client;

    [Fact]
    public async Task ShipWithNotify_ReceiverFailsTwice_RetriedWithOneKeyUntilAccepted()
    {
        using var receiver = new WebhookReceiver();
        receiver.FailNext(2, 503);
        var order = await ShippedOrderAsync(receiver.Url);

        await Eventually.MatchAsync(() => Task.FromResult(receiver.Requests.Count(r => r.Answered == 200)), n => n >= 1, "the effect was never accepted");
        await Eventually.MatchAsync(() => Task.FromResult(fixture.Storage.StoredState(order)!.Outbox.Count), c => c == 0, "the outbox never emptied");
        var replay = await Client.SendAsync(new MessageEnvelope(new MessageId("ship"), order, "ship", "{}"));

        Assert.True(replay.Replayed);
        var requests = receiver.Requests.ToArray();
        Assert.Equal(3, requests.Length);
        Assert.Single(requests.Select(r => r.Key).Distinct());
        Assert.Equal(OutboxIds.Derive(order, new MessageId("ship"), 0).Value, requests[0].Key);
        Assert.All(requests, r => Assert.Equal("""{"event":"order-shipped","total":12}""", r.Body));
    }

    [Fact]
    public async Task ShipWithNotify_ReceiverRefuses400_DeadLetteredNotRetried_RequeuedWithTheSameKey()
    {
        using var receiver = new WebhookReceiver(status: 400);
        var order = await ShippedOrderAsync(receiver.Url);
        var store = Client.GetGrain<IDeadLetterGrain>(IDeadLetterGrain.Key);

        var deadLetter = await Eventually.FoundAsync(
            async () => (await store.ListAsync(0, 500)).Items.SingleOrDefault(d => d.Envelope.Entity == order),
            "the refused effect was not dead-lettered");

        Assert.Equal("webhook", deadLetter.Source);
        Assert.Contains("400", deadLetter.Reason, StringComparison.Ordinal);
        Assert.Single(receiver.Requests);

        // The receiver is fixed; the operator requeues (what POST /v1/dead-letters/{id}/requeue does for an effect).
        receiver.Status = 200;
        Assert.True(await Client.GetEntityAdmin(order).RequeueEffectAsync(deadLetter.Id));
        var removed = await store.GetAsync(deadLetter.Id);
        await Eventually.MatchAsync(() => Task.FromResult(receiver.Requests.Count), n => n == 2, "the requeued effect was never sent");

        Assert.Null(removed);

        Assert.Equal([400, 200], receiver.Requests.Select(r => r.Answered));
        Assert.Single(receiver.Requests.Select(r => r.Key).Distinct());
    }

    [Fact]
    public async Task ShipWithNotify_HostNotAllowed_NeverContacted_DeadLetteredWithTheReason()
    {
        // The silos allow 127.0.0.1 only: the same receiver under another name is not called.
        using var receiver = new WebhookReceiver();
        var order = await ShippedOrderAsync(new UriBuilder(receiver.Url) { Host = "localhost" }.Uri);
        var store = Client.GetGrain<IDeadLetterGrain>(IDeadLetterGrain.Key);

        var deadLetter = await Eventually.FoundAsync(
            async () => (await store.ListAsync(0, 500)).Items.SingleOrDefault(d => d.Envelope.Entity == order),
            "the refused effect was not dead-lettered");

        Assert.Equal("webhook", deadLetter.Source);
        Assert.Equal(1, deadLetter.Attempts);
        Assert.Contains("'localhost' is not in Once:Webhooks:AllowedHosts", deadLetter.Reason, StringComparison.Ordinal);
        Assert.Empty(receiver.Requests);
        await Eventually.MatchAsync(() => Task.FromResult(fixture.Storage.StoredState(order)!.Outbox.Count), c => c == 0, "the refused effect stayed in the outbox");
    }

    [Fact]
    public async Task RequeueEffect_DeadLetterOfAnotherEntityOrUnknownOrWithoutEffect_RefusedAndNothingSent()
    {
        using var receiver = new WebhookReceiver(status: 400);
        var order = await ShippedOrderAsync(receiver.Url);
        var store = Client.GetGrain<IDeadLetterGrain>(IDeadLetterGrain.Key);
        var effect = await Eventually.FoundAsync(
            async () => (await store.ListAsync(0, 500)).Items.SingleOrDefault(d => d.Envelope.Entity == order),
            "the refused effect was not dead-lettered");
        var other = new EntityKey("orders", "o-" + Guid.NewGuid().ToString("N"));
        receiver.Status = 200;

        Assert.False(await Client.GetEntityAdmin(other).RequeueEffectAsync(effect.Id));
        Assert.False(await Client.GetEntityAdmin(order).RequeueEffectAsync("no-such-dead-letter"));
        Assert.NotNull(await store.GetAsync(effect.Id));
        Assert.Null(await Client.GetEntityAsync(other));

        // The control: the right entity requeues it, and it is sent.
        Assert.True(await Client.GetEntityAdmin(order).RequeueEffectAsync(effect.Id));
        await Eventually.MatchAsync(() => Task.FromResult(receiver.Requests.Count), n => n == 2, "the requeued effect was never sent");
    }

    [Fact]
    public void ClientFacingGrainInterfaces_NoMethodTakesAnEffectOrADeadLetter()
    {
        // A cluster client must not be able to make a silo POST a body of its choosing to a URL of its choosing.
        var methods = typeof(IEntityGrain).Assembly.GetExportedTypes()
            .Where(t => t.IsInterface && typeof(IAddressable).IsAssignableFrom(t))
            .SelectMany(t => t.GetMethods())
            .ToList();
        var taking = methods.Where(m => m.GetParameters().Any(p => p.ParameterType == typeof(HttpEffect) || p.ParameterType == typeof(DeadLetter)));

        Assert.Contains(methods, m => m.Name == nameof(IEntityAdminGrain.RequeueEffectAsync));
        Assert.Empty(taking.Select(m => $"{m.DeclaringType!.Name}.{m.Name}"));
    }

    private async Task<EntityKey> ShippedOrderAsync(Uri notify)
    {
        var order = new EntityKey("orders", "o-" + Guid.NewGuid().ToString("N"));
        await Client.SendAsync(new MessageEnvelope(new MessageId("place"), order, "place", $$"""{"total":12,"notify":"{{notify}}"}"""));
        await Client.SendAsync(new MessageEnvelope(new MessageId("pay"), order, "pay", "{}"));
        var shipped = await Client.SendAsync(new MessageEnvelope(new MessageId("ship"), order, "ship", "{}"));
        Assert.Equal("{\"status\":\"shipped\"}", shipped.Result);
        return order;
    }
}
