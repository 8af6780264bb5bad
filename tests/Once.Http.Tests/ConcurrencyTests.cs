using static Once.Http.Tests.OnceApi;

namespace Once.Http.Tests;

/// <summary>Many clients at once on one entity, as retries and load balancers produce them.</summary>
[Collection(OnceHttpCollection.Name)]
public sealed class ConcurrencyTests(OnceHttpFixture fixture)
{
    private const int Parallel = 32;

    private readonly HttpClient _client = fixture.Client;

    [Fact]
    public async Task SameKey_32ConcurrentPosts_OneApplicationAndIdenticalAnswers()
    {
        var id = NewId("acc");
        var key = NewId("key");

        var answers = await PostConcurrentlyAsync(Accounts, id, key);

        Assert.Empty(await ExactlyOnceViolationsAsync(Accounts, id, answers));
        var original = Assert.Single(answers, a => a.Replayed is null);
        Expect.Account(Expect.Success(original, "applied", 1, key).GetProperty("result"), balance: 100, limit: 0);
        foreach (var replay in answers.Where(a => !ReferenceEquals(a, original)))
        {
            Expect.Replay(original, replay);
        }
    }

    [Fact]
    public async Task SameKey_32ConcurrentPostsWithoutDeduplication_CheckerReportsViolations()
    {
        var id = NewId("acc");

        var answers = await PostConcurrentlyAsync(AtLeastOnceAccounts, id, NewId("key"));

        // Negative control: the checker above must be able to fail. Without a ledger every delivery applies.
        var violations = await ExactlyOnceViolationsAsync(AtLeastOnceAccounts, id, answers);
        Assert.Contains($"entity at version {Parallel}, balance {Parallel * 100}", violations);
        Assert.Contains($"{Parallel} answers not marked as replays", violations);
    }

    [Fact]
    public async Task SameKey_ConcurrentRejectedWithdrawals_OneRecordedRejectionReplayedToAll()
    {
        var id = NewId("acc");
        await _client.PostAsync(Accounts, id, NewId("key"), Deposit(10));
        var key = NewId("key");

        var answers = await Task.WhenAll(Enumerable.Range(0, Parallel / 2).Select(_ => _client.PostAsync(Accounts, id, key, Withdraw(11))));

        var original = Assert.Single(answers, a => a.Replayed is null);
        Assert.Equal("insufficient-funds", Expect.Problem(original, 422).GetProperty("reason").GetString());
        foreach (var replay in answers.Where(a => !ReferenceEquals(a, original)))
        {
            Expect.Replay(original, replay);
        }

        Expect.Account(Expect.Entity(await _client.GetEntityAsync(Accounts, id), Accounts, id, 1), balance: 10, limit: 0);
    }

    [Fact]
    public async Task DistinctKeys_32ConcurrentDeposits_AllAppliedNoneLost()
    {
        var id = NewId("acc");

        var answers = await Task.WhenAll(Enumerable.Range(0, Parallel).Select(_ => _client.PostAsync(Accounts, id, NewId("key"), Deposit(1.5m))));

        Assert.All(answers, a => Assert.Equal(200, a.Status));
        Assert.Equal(Enumerable.Range(1, Parallel).Select(v => (long)v), answers.Select(a => a.Json.GetProperty("version").GetInt64()).Order());
        Expect.Account(Expect.Entity(await _client.GetEntityAsync(Accounts, id), Accounts, id, Parallel), balance: Parallel * 1.5m, limit: 0);
    }

    [Fact]
    public async Task SameKeyMixedPayloads_Concurrent_OnlyTheWinnerApplied()
    {
        var id = NewId("acc");
        var key = NewId("key");
        var bodies = Enumerable.Range(1, Parallel / 2).Select(i => Deposit(i)).ToArray();

        var answers = await Task.WhenAll(bodies.Select(body => _client.PostAsync(Accounts, id, key, body)));

        var winner = Assert.Single(answers, a => a.Status == 200);
        Assert.All(answers.Where(a => a.Status != 200), a => Expect.Problem(a, 422));
        var amount = winner.Json.GetProperty("result").GetProperty("balance").GetDecimal();
        Expect.Account(Expect.Entity(await _client.GetEntityAsync(Accounts, id), Accounts, id, 1), balance: amount, limit: 0);
    }

    private async Task<Answer[]> PostConcurrentlyAsync(string type, string id, string key) =>
        await Task.WhenAll(Enumerable.Range(0, Parallel).Select(_ => _client.PostAsync(type, id, key, Deposit(100))));

    /// <summary>
    /// What a client could see go wrong when one deposit of 100 was posted many times with one key:
    /// other than one original answer, answers that differ, or an entity that is not at version 1 with 100.
    /// </summary>
    private async Task<List<string>> ExactlyOnceViolationsAsync(string type, string id, Answer[] answers)
    {
        var violations = new List<string>();
        var originals = answers.Count(a => a.Replayed is null);
        if (originals != 1)
        {
            violations.Add($"{originals} answers not marked as replays");
        }

        if (answers.Select(a => (a.Status, a.Body, a.ETag)).Distinct().Count() != 1)
        {
            violations.Add("answers differ");
        }

        var entity = await _client.GetEntityAsync(type, id);
        var version = entity.Json.GetProperty("version").GetInt64();
        var balance = entity.Json.GetProperty("state").GetProperty("balance").GetDecimal();
        if (version != 1 || balance != 100)
        {
            violations.Add($"entity at version {version}, balance {balance}");
        }

        return violations;
    }
}
