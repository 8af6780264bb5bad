using System.Text.Json;
using Once.Abstractions;
using static Once.Postgres.Tests.PostgresCluster;

namespace Once.Postgres.Tests;

/// <summary>Fencing of a stale activation, the same on every entity store.</summary>
internal static class StaleActivation
{
    /// <summary>
    /// The grain's activation holds version 1. Behind its back, "another activation" commits m-2
    /// (deposit 10) as version 2: a second cluster with the same service id on the same database.
    /// Then m-2 reaches the stale activation: its write must lose the version check, and the fresh
    /// state must decide.
    /// </summary>
    public static async Task<(decimal Balance, long Version, MessageOutcome Outcome)> ApplyBehindTheGrainsBackThenSendAsync(
        PostgresServer postgres, string type, bool nativeStore)
    {
        var database = await postgres.CreateDatabaseAsync();
        var account = new EntityKey(type, "fenced");
        var serviceId = "fence-" + Guid.NewGuid().ToString("N")[..8];
        await using var cluster = await StartAsync(database, serviceId, nativeStore: nativeStore);
        await cluster.Client.SendAsync(Deposit(account, "m-1", 40m));

        await using (var other = await StartAsync(database, serviceId, silos: 1, nativeStore: nativeStore))
        {
            await other.Client.SendAsync(Deposit(account, "m-2", 10m));
        }

        var outcome = await cluster.Client.SendAsync(Deposit(account, "m-2", 10m));
        var snapshot = await cluster.Client.GetEntityAsync(account);
        using var state = JsonDocument.Parse(snapshot!.State);
        return (state.RootElement.GetProperty("balance").GetDecimal(), snapshot.Version, outcome);
    }
}
