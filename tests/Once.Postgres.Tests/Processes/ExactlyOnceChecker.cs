using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;

namespace Once.Postgres.Tests.Processes;

/// <summary>
/// Checks a finished <see cref="KillWorkload"/> against what the cluster reports. Violations name the
/// account and what went wrong; an empty list means every acknowledged message was applied exactly
/// once and nothing was applied twice.
/// </summary>
internal static class ExactlyOnceChecker
{
    public const string AppliedTwice = "applied more than once";
    public const string Lost = "acknowledged but lost";

    public static async Task<IReadOnlyList<string>> CheckAsync(HttpClient http, KillWorkload.Result result)
    {
        var violations = new ConcurrentBag<string>();
        var accounts = result.Distinct.GroupBy(d => d.Account).ToList();
        await Parallel.ForEachAsync(accounts, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (account, ct) =>
        {
            var (version, balance) = await ReadAccountAsync(http, account.Key, ct);
            var acked = account.Where(d => result.Acknowledged.Contains(d.MessageId + "@" + d.Account)).ToList();
            var distinctCount = account.Count();
            var sumAll = account.Sum(d => d.Amount);

            // Bounds that hold whatever the acknowledgements were: at most every distinct message once,
            // at least every acknowledged one.
            if (version > distinctCount || balance > sumAll)
            {
                violations.Add($"{account.Key}: {AppliedTwice}: version {version} for {distinctCount} distinct messages, balance {balance} > {sumAll}");
            }

            if (version < acked.Count || balance < acked.Sum(d => d.Amount))
            {
                violations.Add($"{account.Key}: {Lost}: version {version} < {acked.Count} acknowledged messages or balance {balance} below their sum");
            }

            // The exact check: the state equals the fold over the messages the ledger recorded as applied,
            // and every acknowledged message is among them.
            var applied = new List<KillWorkload.Deposit>();
            foreach (var deposit in account)
            {
                if (await ReadStatusAsync(http, deposit, ct) == "applied")
                {
                    applied.Add(deposit);
                }
                else if (acked.Contains(deposit))
                {
                    violations.Add($"{account.Key}: {Lost}: {deposit.MessageId} was acknowledged but has no applied outcome");
                }
            }

            if (applied.Count != version || applied.Sum(d => d.Amount) != balance)
            {
                violations.Add($"{account.Key}: state (version {version}, balance {balance}) differs from the fold over {applied.Count} recorded messages ({applied.Sum(d => d.Amount)})");
            }
        });

        foreach (var (message, answers) in result.Answers)
        {
            if (answers.Distinct().Count() > 1)
            {
                violations.Add($"{message}: deliveries got different answers: {string.Join(" | ", answers.Distinct())}");
            }
        }

        return [.. violations];
    }

    private static async Task<(long Version, decimal Balance)> ReadAccountAsync(HttpClient http, string account, CancellationToken ct)
    {
        using var response = await http.GetAsync(new Uri($"/v1/entities/accounts/{account}", UriKind.Relative), ct);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return (0, 0m);
        }

        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        return (body.RootElement.GetProperty("version").GetInt64(), body.RootElement.GetProperty("state").GetProperty("balance").GetDecimal());
    }

    private static async Task<string?> ReadStatusAsync(HttpClient http, KillWorkload.Deposit deposit, CancellationToken ct)
    {
        using var response = await http.GetAsync(new Uri($"/v1/entities/accounts/{deposit.Account}/messages/{deposit.MessageId}", UriKind.Relative), ct);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        return body.RootElement.GetProperty("status").GetString();
    }
}
