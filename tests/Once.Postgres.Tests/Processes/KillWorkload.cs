using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Once.Abstractions;

namespace Once.Postgres.Tests.Processes;

/// <summary>
/// An at-least-once producer over HTTP: deposits to many accounts, many of them delivered twice or
/// three times (later, from other workers), each send retried until answered 200. One silo process
/// is killed a third of the way through and started again at two thirds, or, given a fault of its
/// own, that fault runs from a third of the way on.
/// </summary>
internal sealed class KillWorkload(LocalCluster cluster, int accounts, int depositsPerAccount, int seed, Func<Task>? fault = null)
{
    private const int Workers = 8;
    private const int MaxAttempts = 6;

    public sealed record Deposit(string Account, string MessageId, decimal Amount);

    public sealed record Result(
        IReadOnlyList<Deposit> Distinct,
        int Sends,
        int Retries,
        IReadOnlyDictionary<string, IReadOnlyList<string>> Answers,
        IReadOnlySet<string> Acknowledged,
        int Unanswered);

    public async Task<Result> RunAsync()
    {
        var random = new Random(seed);
        var run = Guid.NewGuid().ToString("N")[..8];
        var distinct = (
            from a in Enumerable.Range(0, accounts)
            from d in Enumerable.Range(0, depositsPerAccount)
            select new Deposit($"kill-{run}-{a}", $"m-{a}-{d}", random.Next(1, 10_000) / 100m)).ToList();

        // Every deposit once in shuffled order, then about 40% of them again and 10% a third time,
        // each redelivery placed at a random later point: duplicates arrive out of order, across the kill.
        var deliveries = distinct.OrderBy(_ => random.Next()).ToList();
        foreach (var deposit in distinct.Where(_ => random.NextDouble() < 0.4).Concat(distinct.Where(_ => random.NextDouble() < 0.1)))
        {
            deliveries.Insert(random.Next(deliveries.IndexOf(deposit) + 1, deliveries.Count + 1), deposit);
        }

        using var http = cluster.CreateApiClient(TimeSpan.FromSeconds(90));
        var answers = new ConcurrentDictionary<string, ConcurrentBag<string>>();
        var queue = new ConcurrentQueue<Deposit>(deliveries);
        int sent = 0, retries = 0, unanswered = 0;
        var killAt = deliveries.Count / 3;
        var restartAt = 2 * deliveries.Count / 3;
        var chaos = Task.CompletedTask;
        var restartReached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        async Task Worker()
        {
            while (queue.TryDequeue(out var deposit))
            {
                var number = Interlocked.Increment(ref sent);
                if (number == killAt)
                {
                    chaos = fault?.Invoke() ?? KillThenRestartAsync();
                }
                else if (number == restartAt)
                {
                    restartReached.TrySetResult();
                }

                var answer = await SendUntilAnsweredAsync(http, deposit, () => Interlocked.Increment(ref retries));
                if (answer is null)
                {
                    Interlocked.Increment(ref unanswered);
                }
                else
                {
                    answers.GetOrAdd(deposit.MessageId + "@" + deposit.Account, _ => []).Add(answer);
                }
            }
        }

        async Task KillThenRestartAsync()
        {
            await cluster.KillSiloAsync(2);
            await restartReached.Task;
            await cluster.StartSiloAsync(2);
        }

        await Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => Task.Run(Worker)));
        await chaos;
        return new Result(
            distinct,
            deliveries.Count,
            retries,
            answers.ToDictionary(a => a.Key, a => (IReadOnlyList<string>)[.. a.Value]),
            answers.Keys.ToHashSet(),
            unanswered);
    }

    private static async Task<string?> SendUntilAnsweredAsync(HttpClient http, Deposit deposit, Action retried)
    {
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/entities/accounts/{deposit.Account}/messages")
                {
                    Content = JsonContent.Create(new { type = "deposit", data = new { amount = deposit.Amount } }),
                };
                request.Headers.Add("Idempotency-Key", deposit.MessageId);
                using var response = await http.SendAsync(request);
                if (response.IsSuccessStatusCode)
                {
                    using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                    return body.RootElement.GetProperty("version").GetInt64().ToString(CultureInfo.InvariantCulture)
                        + " " + body.RootElement.GetProperty("result").GetRawText();
                }
            }
            catch (HttpRequestException)
            {
                // The API process itself did not answer; send again, the ledger makes that safe.
            }

            retried();
        }

        return null;
    }
}
