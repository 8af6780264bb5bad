using System.Text.Json;
using Npgsql;
using Once.Abstractions;
using Orleans.TestingHost;
using static Once.Postgres.Tests.PostgresCluster;

namespace Once.Postgres.Tests;

/// <summary>
/// The three delivery guarantees under the same faults on the real ADO.NET storage in PostgreSQL:
/// writes that fail before they reach PostgreSQL, writes that commit whose acknowledgement is lost,
/// and the producer of <see cref="GuaranteeWorkload"/>. At least once is exactly once's negative
/// control: the same faults, no ledger.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class GuaranteeComparisonTests(PostgresServer postgres)
{
    private const int FaultsArmed = GuaranteeWorkload.FaultsArmed;

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
        var run = await GuaranteeWorkload.RunAsync(cluster.Client, account, faults.Arm);
        var stored = await StoredRowAsync(database, cluster, account);
        return new Run(run.Applied, run.ErrorsSeen, faults.Fired(account), run.Snapshot, stored);
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
