using static Once.Http.Tests.OnceApi;

namespace Once.Http.Tests;

/// <summary>
/// A dead-lettered HTTP effect over HTTP: shipping an order with a <c>notify</c> URL POSTs to it; a
/// receiver that answers 400 gets the effect dead-lettered at once, and
/// <c>POST /v1/dead-letters/{id}/requeue</c> puts it back into the order's outbox, sent again with the
/// Idempotency-Key of the first attempt.
/// </summary>
[Collection(OnceHttpCollection.Name)]
public sealed class WebhookRequeueTests(OnceHttpFixture fixture)
{
    private const string Notification = """{"event":"order-shipped","total":12}""";

    private readonly HttpClient _client = fixture.Client;

    [Fact]
    public async Task ShipNotifyRefused400_RequeuedAfterReceiverFixed_202AndSentAgainWithTheFirstKey()
    {
        using var receiver = new WebhookReceiver(status: 400);
        var id = await ShippedOrderAsync(receiver.Url);
        var deadLetter = await DeadLetterEventuallyAsync(id);
        var first = Assert.Single(receiver.Requests);

        receiver.Status = 200;
        var requeued = await _client.RequeueAsync(deadLetter.Id);
        await Eventually.MatchAsync(() => Task.FromResult(receiver.Requests.Count), n => n >= 2, "the requeued effect was never sent");

        Assert.Equal(($"{Orders}/{id}", "webhook", 1), (deadLetter.Entity, deadLetter.Source, deadLetter.Attempts));
        Assert.Equal($"{receiver.Url} answered 400", deadLetter.Reason);
        Assert.Equal((deadLetter.MessageId, Notification, 400), first);
        Assert.Equal(202, requeued.Status);
        Assert.Equal(("requeued", deadLetter.Id), (requeued.Json.GetProperty("status").GetString(), requeued.Json.GetProperty("id").GetString()));
        Assert.Equal([(first.Key, Notification, 400), (first.Key, Notification, 200)], receiver.Requests);
        Assert.Null(DeadLetterItem.Find(await _client.ListDeadLettersAsync(), $"{Orders}/{id}"));
        Expect.Problem(await _client.RequeueAsync(deadLetter.Id), 404);
        Assert.Equal("shipped", Expect.Entity(await _client.GetEntityAsync(Orders, id), Orders, id, 3).GetProperty("status").GetString());
    }

    [Fact]
    public async Task RequeuedEffect_ReceiverStillUnavailable_RetriedWithTheFirstKeyUntilItAccepts()
    {
        using var receiver = new WebhookReceiver(status: 400);
        var id = await ShippedOrderAsync(receiver.Url);
        var deadLetter = await DeadLetterEventuallyAsync(id);

        receiver.Status = 503;
        var requeued = await _client.RequeueAsync(deadLetter.Id);
        await Eventually.MatchAsync(() => Task.FromResult(receiver.Requests.Count), n => n >= 3, "the requeued effect was not retried");
        receiver.Status = 200;
        await Eventually.MatchAsync(() => Task.FromResult(receiver.Requests.Count(r => r.Answered == 200)), n => n == 1, "the effect was never accepted");

        Assert.Equal(202, requeued.Status);
        var requests = receiver.Requests.ToArray();
        Assert.Equal([400, 503, 503], requests.Take(3).Select(r => r.Answered));
        Assert.All(requests, r => Assert.Equal((deadLetter.MessageId, Notification), (r.Key, r.Body)));
        Assert.Null(DeadLetterItem.Find(await _client.ListDeadLettersAsync(), $"{Orders}/{id}"));
    }

    [Fact]
    public async Task RequeuedEffect_ReceiverStillRefuses_DeadLetteredAgainWithTheFirstKeyEveryTime()
    {
        // The refusal comes at once, so the new dead letter (same id) races the removal of the old one;
        // the entity removes the old one before its dispatcher can send, so none is ever lost.
        const int Requeues = 5;
        using var receiver = new WebhookReceiver(status: 400);
        var id = await ShippedOrderAsync(receiver.Url);
        var deadLetter = await DeadLetterEventuallyAsync(id);

        for (var sent = 1; sent <= Requeues; sent++)
        {
            Assert.Equal(202, (await _client.RequeueAsync(deadLetter.Id)).Status);
            await Eventually.MatchAsync(() => Task.FromResult(receiver.Requests.Count), n => n > sent, "the requeued effect was never sent");
            var again = await DeadLetterEventuallyAsync(id);
            Assert.Equal((deadLetter.Id, deadLetter.MessageId, "webhook", 1), (again.Id, again.MessageId, again.Source, again.Attempts));
        }

        Assert.Equal(Requeues + 1, receiver.Requests.Count);
        Assert.All(receiver.Requests, r => Assert.Equal((deadLetter.MessageId, 400), (r.Key, r.Answered)));
    }

    /// <summary>Places (with the receiver as notify URL), pays and ships a fresh order; returns its id.</summary>
    private async Task<string> ShippedOrderAsync(Uri notify)
    {
        var id = NewId("ord");
        Expect.Success(await _client.PostAsync(Orders, id, "place", $$$"""{"type":"place","data":{"total":12,"notify":"{{{notify}}}"}}"""), "applied", 1, "place");
        Expect.Success(await _client.PostAsync(Orders, id, "pay", NoData("pay")), "applied", 2, "pay");
        Expect.Success(await _client.PostAsync(Orders, id, "ship", NoData("ship")), "applied", 3, "ship");
        return id;
    }

    private async Task<DeadLetterItem> DeadLetterEventuallyAsync(string orderId) =>
        (await Eventually.MatchAsync(
            async () => DeadLetterItem.Find(await _client.ListDeadLettersAsync(), $"{Orders}/{orderId}"),
            deadLetter => deadLetter is not null,
            $"the effect of {Orders}/{orderId} was never dead-lettered"))!;
}
