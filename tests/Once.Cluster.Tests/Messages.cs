using System.Globalization;
using System.Text.Json;
using Once.Abstractions;

namespace Once.Cluster.Tests;

/// <summary>Builds envelopes and reads states for the tests.</summary>
internal static class Messages
{
    public static EntityKey NewAccount(string type = "accounts") => new(type, "acc-" + Guid.NewGuid().ToString("N"));

    public static MessageEnvelope Deposit(EntityKey account, string id, decimal amount, long? expectedVersion = null) =>
        new(new MessageId(id), account, "deposit", $"{{\"amount\":{amount.ToString(CultureInfo.InvariantCulture)}}}", expectedVersion);

    public static MessageEnvelope Withdraw(EntityKey account, string id, decimal amount) =>
        new(new MessageId(id), account, "withdraw", $"{{\"amount\":{amount.ToString(CultureInfo.InvariantCulture)}}}");

    public static MessageEnvelope SetLimit(EntityKey account, string id, decimal limit) =>
        new(new MessageId(id), account, "set-limit", $"{{\"limit\":{limit.ToString(CultureInfo.InvariantCulture)}}}");

    public static async Task<decimal> BalanceAsync(IGrainFactory grains, EntityKey account)
    {
        var snapshot = await grains.GetEntityAsync(account);
        return snapshot is null ? 0m : Balance(snapshot.State);
    }

    public static decimal Balance(string stateJson)
    {
        using var state = JsonDocument.Parse(stateJson);
        return state.RootElement.GetProperty("balance").GetDecimal();
    }
}
