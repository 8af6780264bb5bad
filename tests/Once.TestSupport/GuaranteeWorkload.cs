using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Once.Abstractions;

namespace Once.TestSupport;

/// <summary>
/// The producer of the guarantee comparison, the same on every tier: deposits to one account, a
/// storage fault armed for two writes in three (failing before the write is stored, or after), a
/// producer that sends again once after an error, and later redeliveries of earlier messages. Deposit
/// i is 4^i, so the final balance tells how many times each message was applied (0 = lost, 2 or more =
/// duplicated).
/// </summary>
public static class GuaranteeWorkload
{
    public const int Messages = 18;

    /// <summary>Every message but each third one has a fault armed for its first write.</summary>
    public const int FaultsArmed = Messages - (Messages + 2) / 3;

    private const decimal Opening = 0.01m;

    /// <param name="arm">Arms a one-shot fault for the account's next write, in the tier's storage.</param>
    public static async Task<GuaranteeRun> RunAsync(IGrainFactory client, EntityKey account, Action<EntityKey, StorageFault> arm)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(arm);
        await client.SendAsync(Deposit(account, "open", Opening));
        var errors = 0;
        for (var i = 0; i < Messages; i++)
        {
            var deposit = Deposit(account, $"m-{i}", Amount(i));
            if (i % 3 != 0)
            {
                arm(account, i % 3 == 1 ? StorageFault.ThrowBeforeWrite : StorageFault.ThrowAfterWrite);
            }

            try
            {
                await client.SendAsync(deposit);
            }
            catch (Exception e) when (e.ToString().Contains("Injected:", StringComparison.Ordinal))
            {
                // An at-least-once producer: an error means "send it again".
                errors++;
                await client.SendAsync(deposit);
            }

            if (i % 5 == 0)
            {
                // A later redelivery of an earlier message (the broker's duplicate).
                await client.SendAsync(Deposit(account, $"m-{i / 2}", Amount(i / 2)));
            }
        }

        var snapshot = (await client.GetEntityAsync(account))!;
        using var state = JsonDocument.Parse(snapshot.State);
        return new GuaranteeRun(Decode(state.RootElement.GetProperty("balance").GetDecimal() - Opening), errors, snapshot);
    }

    private static MessageEnvelope Deposit(EntityKey account, string id, decimal amount) =>
        new(new MessageId(id), account, "deposit", $"{{\"amount\":{amount.ToString(CultureInfo.InvariantCulture)}}}");

    private static decimal Amount(int i) => (decimal)BigInteger.Pow(4, i);

    /// <summary>The base-4 digits of the balance: how many times each deposit was applied (at most 3 here).</summary>
    private static int[] Decode(decimal balance)
    {
        var value = new BigInteger(balance);
        var counts = new int[Messages];
        for (var i = 0; i < Messages; i++)
        {
            counts[i] = (int)(value % 4);
            value /= 4;
        }

        Assert.Equal(BigInteger.Zero, value);
        return counts;
    }
}
