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
/// own, that fault runs from a third of the way on. With <paramref name="loadUntilFaultDone"/> the
/// load goes on past the planned deliveries, with fresh deposits (a third of them delivered twice),
/// until the fault has finished, so a long fault (a rolling restart) runs under load throughout.
/// </summary>
internal sealed class KillWorkload(LocalCluster cluster, int accounts, int depositsPerAccount, int seed, Func<Task>? fault = null, bool loadUntilFaultDone = false)
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
        int Unanswered,
        int MostAttempts);

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
        int sent = 0, retries = 0, unanswered = 0, mostAttempts = 0, duplicates = 0;
        var killAt = deliveries.Count / 3;
        var restartAt = 2 * deliveries.Count / 3;
        var chaos = Task.CompletedTask;
        var faultDone = false;
        var extras = new ConcurrentQueue<Deposit>();
        var extraCount = 0;
        var restartReached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        async Task RunFaultAsync()
        {
            try
            {
                await (fault?.Invoke() ?? KillThenRestartAsync());
            }
            finally
            {
                Volatile.Write(ref faultDone, true);
            }
        }

        bool TryNext([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Deposit? deposit)
        {
            if (queue.TryDequeue(out deposit))
            {
                return true;
            }

            if (!loadUntilFaultDone || Volatile.Read(ref sent) < killAt || Volatile.Read(ref faultDone))
            {
                return false;
            }

            var n = Interlocked.Increment(ref extraCount);
            deposit = new Deposit($"kill-{run}-{n % accounts}", $"x-{n}", (n % 997 + 1) / 100m);
            extras.Enqueue(deposit);
            if (n % 3 == 0)
            {
                queue.Enqueue(deposit);
                Interlocked.Increment(ref duplicates);
            }

            return true;
        }

        async Task Worker()
        {
            while (TryNext(out var deposit))
            {
                var number = Interlocked.Increment(ref sent);
                if (number == killAt)
                {
                    chaos = RunFaultAsync();
                }
                else if (number == restartAt)
                {
                    restartReached.TrySetResult();
                }

                var attempts = 1;
                var answer = await SendUntilAnsweredAsync(http, deposit, () =>
                {
                    Interlocked.Increment(ref retries);
                    attempts++;
                });
                InterlockedMax(ref mostAttempts, Math.Min(attempts, MaxAttempts));
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
            [.. distinct, .. extras],
            deliveries.Count + extras.Count + duplicates,
            retries,
            answers.ToDictionary(a => a.Key, a => (IReadOnlyList<string>)[.. a.Value]),
            answers.Keys.ToHashSet(),
            unanswered,
            mostAttempts);
    }

    internal static void InterlockedMax(ref int location, int value)
    {
        var current = Volatile.Read(ref location);
        while (value > current && Interlocked.CompareExchange(ref location, value, current) is var seen && seen != current)
        {
            current = seen;
        }
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
