using static Once.Http.Tests.OnceApi;

namespace Once.Http.Tests;

/// <summary>
/// A poison message end to end over HTTP: enqueued with <c>POST /v1/streams/...</c>, set aside after
/// the stream's attempts, listed by <c>GET /v1/dead-letters</c> and sent again by
/// <c>POST /v1/dead-letters/{id}/requeue</c>, where the entity's ledger still deduplicates.
/// </summary>
[Collection(OnceHttpCollection.Name)]
public sealed class DeadLetterRequeueTests(OnceHttpFixture fixture)
{
    private readonly HttpClient _client = fixture.Client;

    [Fact]
    public async Task PoisonViaStream_HandlerKeepsFailing_ListedWithReasonAndAttemptsAndNoOutcome()
    {
        var id = NewId("f");
        var key = NewId("poison");
        using var fault = FaultyHandler.FailWhile(id);

        var accepted = await _client.PublishAsync(Faulty, id, key, Work(id));
        var deadLetter = await DeadLetterEventuallyAsync(Faulty, id);

        Assert.Equal(202, accepted.Status);
        Assert.Equal(
            ($"{Faulty}/{id}", key, "work", "stream", OnceHttpFixture.StreamMaxAttempts),
            (deadLetter.Entity, deadLetter.MessageId, deadLetter.MessageType, deadLetter.Source, deadLetter.Attempts));
        Assert.Equal(FaultyHandler.FailureMessage(id), deadLetter.Reason);
        Assert.False(string.IsNullOrEmpty(deadLetter.Id));
        Expect.Problem(await _client.GetOutcomeAsync(Faulty, id, key), 404);
        Expect.Problem(await _client.GetEntityAsync(Faulty, id), 404);
    }

    [Fact]
    public async Task Requeue_WhileFailingThenAfterFix_500ProblemKeepsItThen200AppliedOnceAndGone()
    {
        var id = NewId("f");
        var key = NewId("poison");
        using var fault = FaultyHandler.FailWhile(id);
        await _client.PublishAsync(Faulty, id, key, Work(id));
        var deadLetter = await DeadLetterEventuallyAsync(Faulty, id);

        var whileFailing = await _client.RequeueAsync(deadLetter.Id);
        var keptDeadLetter = DeadLetterItem.Find(await _client.ListDeadLettersAsync(), $"{Faulty}/{id}");
        var outcomeWhileFailing = await _client.GetOutcomeAsync(Faulty, id, key);
        fault.Repair();
        var afterFix = await _client.RequeueAsync(deadLetter.Id);
        var again = await _client.RequeueAsync(deadLetter.Id);

        var problem = Expect.Problem(whileFailing, 500);
        Assert.Equal("urn:once:problem:processing-failed", problem.GetProperty("type").GetString());
        Assert.DoesNotContain("Exception", whileFailing.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", whileFailing.Body, StringComparison.Ordinal);
        Assert.Equal(deadLetter, keptDeadLetter);
        Expect.Problem(outcomeWhileFailing, 404);

        Assert.Equal(1, Expect.Success(afterFix, "applied", 1, key).GetProperty("result").GetProperty("count").GetInt32());
        Assert.Null(afterFix.Replayed);
        Assert.Null(DeadLetterItem.Find(await _client.ListDeadLettersAsync(), $"{Faulty}/{id}"));
        Assert.Equal(1, Expect.Entity(await _client.GetEntityAsync(Faulty, id), Faulty, id, 1).GetProperty("count").GetInt32());
        var outcome = await _client.GetOutcomeAsync(Faulty, id, key);
        Assert.Equal(200, outcome.Status);
        Assert.Equal(("applied", 1L), (outcome.Json.GetProperty("status").GetString(), outcome.Json.GetProperty("version").GetInt64()));
        Expect.Problem(again, 404);
        Expect.Entity(await _client.GetEntityAsync(Faulty, id), Faulty, id, 1);
    }

    [Fact]
    public async Task Requeue_MessageMeanwhileSentDirectly_RecordedOutcomeReplayedAndAppliedOnce()
    {
        var id = NewId("f");

        var (key, direct, requeued) = await SendDirectlyThenRequeueAsync(Faulty, id);

        Assert.Empty(await RequeueViolationsAsync(Faulty, id, direct, requeued));
        Expect.Success(direct, "applied", 1, key);
        Expect.Replay(direct, requeued);
        Assert.Null(DeadLetterItem.Find(await _client.ListDeadLettersAsync(), $"{Faulty}/{id}"));
    }

    [Fact]
    public async Task Requeue_MessageMeanwhileSentDirectlyWithoutLedger_CheckerReportsASecondApplication()
    {
        var id = NewId("f");

        var (_, direct, requeued) = await SendDirectlyThenRequeueAsync(AtLeastOnceFaulty, id);

        // Negative control: the checker above must be able to fail. Without a ledger the requeue applies again.
        var violations = await RequeueViolationsAsync(AtLeastOnceFaulty, id, direct, requeued);
        Assert.Contains("the requeue is not marked as a replay", violations);
        Assert.Contains("the requeue answered differently from the direct send", violations);
        Assert.Contains("entity at version 2, count 2", violations);
    }

    /// <summary>
    /// Dead-letters a work message from the stream; then, the fault repaired, sends the same message
    /// (same key, same payload) directly, and only then requeues the dead letter.
    /// </summary>
    private async Task<(string Key, Answer Direct, Answer Requeued)> SendDirectlyThenRequeueAsync(string type, string id)
    {
        var key = NewId("poison");
        DeadLetterItem deadLetter;
        using (FaultyHandler.FailWhile(id))
        {
            Assert.Equal(202, (await _client.PublishAsync(type, id, key, Work(id))).Status);
            deadLetter = await DeadLetterEventuallyAsync(type, id);
        }

        var direct = await _client.PostAsync(type, id, key, Work(id));
        return (key, direct, await _client.RequeueAsync(deadLetter.Id));
    }

    /// <summary>
    /// What a client could see go wrong when a requeued message had already been applied by a direct
    /// send: a requeue that is not the direct answer replayed, or an entity changed more than once.
    /// </summary>
    private async Task<List<string>> RequeueViolationsAsync(string type, string id, Answer direct, Answer requeued)
    {
        var violations = new List<string>();
        if (requeued.Replayed != "true")
        {
            violations.Add("the requeue is not marked as a replay");
        }

        if ((requeued.Status, requeued.Body, requeued.ETag) != (direct.Status, direct.Body, direct.ETag))
        {
            violations.Add("the requeue answered differently from the direct send");
        }

        var entity = (await _client.GetEntityAsync(type, id)).Json;
        var version = entity.GetProperty("version").GetInt64();
        var count = entity.GetProperty("state").GetProperty("count").GetInt32();
        if (version != 1 || count != 1)
        {
            violations.Add($"entity at version {version}, count {count}");
        }

        return violations;
    }

    private async Task<DeadLetterItem> DeadLetterEventuallyAsync(string type, string id) =>
        (await Eventually.MatchAsync(
            async () => DeadLetterItem.Find(await _client.ListDeadLettersAsync(), $"{type}/{id}"),
            deadLetter => deadLetter is not null,
            $"{type}/{id} was never dead-lettered"))!;
}
