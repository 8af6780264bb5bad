using System.Numerics;
using System.Text.Json;
using Npgsql;
using Orleans.TestingHost;
using static Once.Postgres.Tests.PostgresCluster;

namespace Once.Postgres.Tests;

/// <summary>
/// The three delivery guarantees under the same faults on the real ADO.NET storage in PostgreSQL:
/// writes that fail before they reach PostgreSQL, writes that commit whose acknowledgement is lost,
/// and a producer that retries an error once and redelivers some earlier messages later. Deposit i is
/// 4^i, so the final balance tells how many times each message was applied (0 = lost, 2 or more =
/// duplicated). At least once is exactly once's negative control: the same faults, no ledger.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class GuaranteeComparisonTests(PostgresServer postgres)
{
    private const int Messages = 18;

    /// <summary>Every message but each third one has a fault armed for its first write.</summary>
    private const int FaultsArmed = Messages - (Messages + 2) / 3;

    [Fact]
    public async Task ExactlyOnce_SameFaultsOnPostgres_NeitherLossesNorDuplicates()
    {
        var run = await RunAsync("accounts");

        Assert.All(run.Applied, count => Assert.Equal(1, count));
        Assert.Equal((FaultsArmed, FaultsArmed), (run.FaultsFired, run.ErrorsSeen));
        run.AssertStoredRowAgreesWithApi();
    }

    [Fact]
    public async Task AtLeastOnce_SameFaultsOnPostgres_DuplicatesButNoLosses()
    {
        var run = await RunAsync(NoDedupAccounts);

        Assert.Contains(run.Applied, count => count > 1);
        Assert.DoesNotContain(0, run.Applied);
        Assert.Equal((FaultsArmed, FaultsArmed), (run.FaultsFired, run.ErrorsSeen));
        run.AssertStoredRowAgreesWithApi();
    }

    [Fact]
    public async Task AtMostOnce_SameFaultsOnPostgres_LossesAndNoErrorsSeenByTheProducer()
    {
        var run = await RunAsync(AtMostOnceAccounts);

        Assert.Contains(0, run.Applied);
        Assert.Equal((FaultsArmed, 0), (run.FaultsFired, run.ErrorsSeen));
        run.AssertStoredRowAgreesWithApi();
    }

    private async Task<Run> RunAsync(string type)
    {
        var database = await postgres.CreateDatabaseAsync();
        var faults = new StorageFaults();
        await using var cluster = await StartAsync(database, "guarantees-" + Guid.NewGuid().ToString("N")[..8], faults: faults);
        var account = new EntityKey(type, "acc-" + Guid.NewGuid().ToString("N"));
        await cluster.Client.SendAsync(Deposit(account, "open", 0.01m));
        var errors = 0;
        for (var i = 0; i < Messages; i++)
        {
            var deposit = Deposit(account, $"m-{i}", Amount(i));
            if (i % 3 != 0)
            {
                faults.Arm(account, i % 3 == 1 ? StorageFault.ThrowBeforeWrite : StorageFault.ThrowAfterWrite);
            }

            try
            {
                await cluster.Client.SendAsync(deposit);
            }
            catch (Exception e) when (e.ToString().Contains("Injected:", StringComparison.Ordinal))
            {
                // An at-least-once producer: an error means "send it again".
                errors++;
                await cluster.Client.SendAsync(deposit);
            }

            if (i % 5 == 0)
            {
                // A later redelivery of an earlier message (the broker's duplicate).
                await cluster.Client.SendAsync(Deposit(account, $"m-{i / 2}", Amount(i / 2)));
            }
        }

        var snapshot = (await cluster.Client.GetEntityAsync(account))!;
        var stored = await StoredRowAsync(database, cluster, account);
        return new Run(Decode(Balance(snapshot.State) - 0.01m), errors, faults.Fired(account), snapshot, stored);
    }

    /// <summary>The entity's row, read once from PostgreSQL: the storage version (ETag) and the stored JSON.</summary>
    private static async Task<StoredRow> StoredRowAsync(string database, InProcessTestCluster cluster, EntityKey account)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT version, convert_from(payload, 'UTF8') FROM once_grain_state WHERE service_id = $1 AND state_name = $2 AND grain_id_ext = $3", connection);
        command.Parameters.AddWithValue(cluster.Options.ServiceId);
        command.Parameters.AddWithValue(Grains.EntityGrainNames.StateName);
        command.Parameters.AddWithValue(account.ToString());
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"no stored row for {account}");
        var row = new StoredRow(reader.GetInt32(0), reader.GetString(1));
        Assert.False(await reader.ReadAsync(), $"more than one stored row for {account}");
        return row;
    }

    private static decimal Amount(int i) => (decimal)BigInteger.Pow(4, i);

    private static decimal Balance(string stateJson)
    {
        using var state = JsonDocument.Parse(stateJson);
        return state.RootElement.GetProperty("balance").GetDecimal();
    }

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

    private sealed record StoredRow(int StorageVersion, string Json);

    private sealed record Run(int[] Applied, int ErrorsSeen, int FaultsFired, EntitySnapshot Snapshot, StoredRow Stored)
    {
        /// <summary>
        /// What PostgreSQL holds is what the API reports: the same entity version and data. Every
        /// committed write applied a deposit (a replay writes nothing, a write that failed before
        /// PostgreSQL left no trace), so the storage version counts applications too.
        /// </summary>
        public void AssertStoredRowAgreesWithApi()
        {
            using var stored = JsonDocument.Parse(Stored.Json);
            var version = stored.RootElement.GetProperty("Version").GetInt64();
            var data = stored.RootElement.GetProperty("Data").GetString();

            Assert.Equal((Snapshot.Version, Snapshot.State), (version, data));
            Assert.Equal(1 + Applied.Sum(), Snapshot.Version);
            Assert.Equal(Snapshot.Version, Stored.StorageVersion);
        }
    }
}
