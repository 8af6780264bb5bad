using System.Text.Json;
using Npgsql;
using Once.Abstractions;
using static Once.Postgres.Tests.PostgresCluster;

namespace Once.Postgres.Tests;

/// <summary>State, versions and ledgers in PostgreSQL survive a full cluster restart; stale activations cannot commit.</summary>
[Collection(PostgresCollection.Name)]
public sealed class DurabilityTests(PostgresServer postgres)
{
    [Fact]
    public async Task FullClusterRestart_StateVersionAndLedgerSurvive_ReplayGetsFirstOutcome()
    {
        var database = await postgres.CreateDatabaseAsync();
        var serviceId = "durable-" + Guid.NewGuid().ToString("N")[..8];
        var account = new EntityKey("accounts", "a-020235");
        MessageOutcome first;
        await using (var before = await StartAsync(database, serviceId))
        {
            first = await before.Client.SendAsync(Deposit(account, "m-1", 40m));
            await before.Client.SendAsync(Deposit(account, "m-2", 2.5m));
            await before.Client.SendAsync(new MessageEnvelope(new MessageId("w-1"), account, "withdraw", "{\"amount\":1000}"));
        }

        await using var after = await StartAsync(database, serviceId);
        var snapshot = await after.Client.GetEntityAsync(account);
        var replay = await after.Client.SendAsync(Deposit(account, "m-1", 40m));
        var rejectionReplay = await after.Client.SendAsync(new MessageEnvelope(new MessageId("w-1"), account, "withdraw", "{\"amount\":1000}"));

        Assert.Equal((2L, "{\"balance\":42.5,\"limit\":0}"), (snapshot!.Version, snapshot.State));
        Assert.Equal(first with { Replayed = true }, replay);
        Assert.Equal((OutcomeStatus.Rejected, "insufficient-funds", true), (rejectionReplay.Status, rejectionReplay.Reason, rejectionReplay.Replayed));
    }

    [Fact]
    public async Task StoredState_IsReadableJsonWithoutTypeNames()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using (var cluster = await StartAsync(database, "json-" + Guid.NewGuid().ToString("N")[..8]))
        {
            await cluster.Client.SendAsync(Deposit(new EntityKey("accounts", "json-1"), "m-1", 7m));
        }

        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT convert_from(payload, 'UTF8') FROM once_grain_state WHERE grain_id_ext = 'accounts/json-1'", connection);
        var json = (string)(await command.ExecuteScalarAsync())!;

        using var document = JsonDocument.Parse(json);
        Assert.Equal(1, document.RootElement.GetProperty("Version").GetInt64());
        Assert.Equal("m-1", document.RootElement.GetProperty("Ledger")[0].GetProperty("MessageId").GetString());
        Assert.DoesNotContain("$type", json, StringComparison.Ordinal);
        Assert.DoesNotContain("Once.", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StaleActivation_AnotherWriterAppliedTheMessage_AnsweredFromFreshLedgerNotAppliedTwice()
    {
        var (balance, version, outcome) = await StaleActivation.ApplyBehindTheGrainsBackThenSendAsync(postgres, "accounts", nativeStore: false);

        Assert.Equal((2L, 50m), (version, balance));
        Assert.Equal((OutcomeStatus.Applied, 2L, true), (outcome.Status, outcome.Version, outcome.Replayed));
    }

    [Fact]
    public async Task StaleActivation_DedupOff_NegativeControlAppliesTwice()
    {
        var (balance, _, _) = await StaleActivation.ApplyBehindTheGrainsBackThenSendAsync(postgres, NoDedupAccounts, nativeStore: false);

        Assert.Equal(60m, balance);
    }

    [Fact]
    public async Task TwoActivations_BothFirstWrites_OneRowAndBothMessagesAppliedOnce()
    {
        var database = await postgres.CreateDatabaseAsync();
        var serviceId = "race-" + Guid.NewGuid().ToString("N")[..8];
        var account = new EntityKey("accounts", "raced");
        await using var first = await StartAsync(database, serviceId, silos: 1);
        await using var second = await StartAsync(database, serviceId, silos: 1);

        // Both activations load "no row yet"; both then try the first write.
        Assert.Null(await first.Client.GetEntityAsync(account));
        Assert.Null(await second.Client.GetEntityAsync(account));
        var outcomes = await Task.WhenAll(
            first.Client.SendAsync(Deposit(account, "m-a", 1m)),
            second.Client.SendAsync(Deposit(account, "m-b", 2m)));
        var final = await first.Client.SendAsync(Deposit(account, "m-c", 4m));

        Assert.All(outcomes, o => Assert.Equal(OutcomeStatus.Applied, o.Status));
        Assert.Equal([1L, 2L], outcomes.Select(o => o.Version).Order());
        Assert.Equal((3L, "{\"balance\":7,\"limit\":0}"), (final.Version, final.Result));
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        Assert.Equal(1, await Sql.CountAsync(connection, "SELECT count(*) FROM once_grain_state WHERE grain_id_ext = 'accounts/raced'"));
    }
}
