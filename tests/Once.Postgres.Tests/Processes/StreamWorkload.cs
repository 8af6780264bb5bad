using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;

namespace Once.Postgres.Tests.Processes;

/// <summary>
/// An at-least-once producer on the entity streams over HTTP (<c>POST /v1/streams/accounts/{id}</c>):
/// deposits to many accounts at a steady rate, every third publish a redelivery of a random earlier
/// deposit (duplicates out of order, some more than once), each publish sent again with the same
/// Idempotency-Key until it is accepted (202: enqueued, not yet applied). The fault starts once the
/// load runs and may add bursts of its own (<see cref="BurstAsync"/>); the load goes on until the fault
/// has finished. The result is a <see cref="KillWorkload.Result"/>, so <see cref="ExactlyOnceChecker"/>
/// reads it once the queues are empty; acknowledged there means accepted into the stream.
/// </summary>
internal sealed class StreamWorkload(LocalCluster cluster, int accounts, int messagesPerSecond, int seed) : IDisposable
{
    private const int Workers = 4;
    private const int MaxAttempts = 6;

    /// <summary>Publishes before the fault starts, so it hits queues that are being pulled.</summary>
    private const int WarmUp = 300;

    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private readonly Random _random = new(seed);
    private readonly List<KillWorkload.Deposit> _published = [];
    private readonly ConcurrentQueue<KillWorkload.Deposit> _distinct = new();
    private readonly ConcurrentDictionary<string, bool> _acknowledged = new();
    private readonly HttpClient _http = cluster.CreateApiClient(TimeSpan.FromSeconds(90));
    private int _steps, _sends, _retries, _unanswered, _mostAttempts;

    public async Task<KillWorkload.Result> RunAsync(Func<Task> fault)
    {
        var faultDone = false;
        var chaos = Task.CompletedTask;

        async Task RunFaultAsync()
        {
            try
            {
                await fault();
            }
            finally
            {
                Volatile.Write(ref faultDone, true);
            }
        }

        async Task Worker()
        {
            // Each worker publishes at most once per period: together they keep to the rate.
            using var pace = new PeriodicTimer(TimeSpan.FromSeconds((double)Workers / messagesPerSecond));
            while (!Volatile.Read(ref faultDone) && await pace.WaitForNextTickAsync())
            {
                var step = Interlocked.Increment(ref _steps);
                if (step == WarmUp)
                {
                    chaos = RunFaultAsync();
                }

                await PublishUntilAcceptedAsync(Next(step, fresh: false));
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => Task.Run(Worker)));
        await chaos;
        return new KillWorkload.Result(
            [.. _distinct],
            _sends,
            _retries,
            new Dictionary<string, IReadOnlyList<string>>(),
            _acknowledged.Keys.ToHashSet(),
            _unanswered,
            _mostAttempts);
    }

    /// <summary>Publishes <paramref name="count"/> fresh deposits as fast as the API takes them, on top of the steady load.</summary>
    public Task BurstAsync(int count) => Parallel.ForEachAsync(
        Enumerable.Range(0, count),
        new ParallelOptions { MaxDegreeOfParallelism = 8 },
        async (_, _) => await PublishUntilAcceptedAsync(Next(Interlocked.Increment(ref _steps), fresh: true)));

    public void Dispose() => _http.Dispose();

    private KillWorkload.Deposit Next(int step, bool fresh)
    {
        lock (_published)
        {
            if (!fresh && step % 3 == 0 && _published.Count > 0)
            {
                return _published[_random.Next(_published.Count)];
            }

            var deposit = new KillWorkload.Deposit($"stream-{_run}-{step % accounts}", $"s-{step}", (step % 997 + 1) / 100m);
            _published.Add(deposit);
            _distinct.Enqueue(deposit);
            return deposit;
        }
    }

    private async Task PublishUntilAcceptedAsync(KillWorkload.Deposit deposit)
    {
        var attempts = 0;
        var accepted = false;
        while (!accepted && attempts < MaxAttempts)
        {
            attempts++;
            Interlocked.Increment(ref _sends);
            accepted = await PublishAsync(_http, deposit);
        }

        Interlocked.Add(ref _retries, attempts - 1);
        KillWorkload.InterlockedMax(ref _mostAttempts, attempts);
        if (accepted)
        {
            _acknowledged[deposit.MessageId + "@" + deposit.Account] = true;
        }
        else
        {
            Interlocked.Increment(ref _unanswered);
        }
    }

    private static async Task<bool> PublishAsync(HttpClient http, KillWorkload.Deposit deposit)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/streams/accounts/{deposit.Account}")
            {
                Content = JsonContent.Create(new { type = "deposit", data = new { amount = deposit.Amount } }),
            };
            request.Headers.Add("Idempotency-Key", deposit.MessageId);
            using var response = await http.SendAsync(request);
            return response.StatusCode == HttpStatusCode.Accepted;
        }
        catch (HttpRequestException)
        {
            // The API process itself did not answer; publish again, the ledger makes that safe.
            return false;
        }
    }
}
