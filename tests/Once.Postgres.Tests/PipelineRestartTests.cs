using Npgsql;
using Once.Abstractions;
using static Once.Postgres.Tests.PostgresCluster;

namespace Once.Postgres.Tests;

/// <summary>An outbox written to PostgreSQL survives a full cluster restart and is delivered once afterwards.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PipelineRestartTests(PostgresServer postgres)
{
    [Fact]
    public async Task OutboxPendingAtShutdown_DeliveredOnceAfterRestart()
    {
        var database = await postgres.CreateDatabaseAsync();
        var serviceId = "pipeline-" + Guid.NewGuid().ToString("N")[..8];
        var account = new EntityKey("accounts", "payer");
        var order = new EntityKey("orders", "o-1");
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();

        await using (var before = await StartAsync(database, serviceId))
        {
            await before.Client.SendAsync(Deposit(account, "fund", 100m));
            await before.Client.SendAsync(new MessageEnvelope(new MessageId("place"), order, "place", """{"total":30,"account":"payer"}"""));

            // The account cannot be written while the order pays: the withdrawal stays in the order's outbox.
            await ExecuteAsync(connection, """
                CREATE FUNCTION refuse_payer() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  IF NEW.grain_id_ext = 'accounts/payer' THEN RAISE EXCEPTION 'injected: account storage unavailable'; END IF;
                  RETURN NEW;
                END $$;
                CREATE TRIGGER refuse_payer BEFORE UPDATE ON once_grain_state FOR EACH ROW EXECUTE FUNCTION refuse_payer();
                """);
            var paid = await before.Client.SendAsync(new MessageEnvelope(new MessageId("pay"), order, "pay", "{}"));
            Assert.Equal(OutcomeStatus.Applied, paid.Status);
        }

        Assert.Contains("\"MessageType\":\"withdraw\"", await StoredJsonAsync(connection, order), StringComparison.Ordinal);
        await ExecuteAsync(connection, "DROP TRIGGER refuse_payer ON once_grain_state; DROP FUNCTION refuse_payer();");

        await using var after = await StartAsync(database, serviceId);
        await after.Client.GetEntityAsync(order);
        var balance = await Eventually.MatchAsync(async () => (await after.Client.GetEntityAsync(account))!.State, s => s.Contains("\"balance\":70", StringComparison.Ordinal), "the withdrawal never arrived");

        Assert.Equal("{\"balance\":70,\"limit\":0}", balance);
        Assert.Equal(2, (await after.Client.GetEntityAsync(account))!.Version);
        await Eventually.MatchAsync(() => StoredJsonAsync(connection, order), json => json.Contains("\"Outbox\":[]", StringComparison.Ordinal), "the outbox never emptied");
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<string> StoredJsonAsync(NpgsqlConnection connection, EntityKey entity)
    {
        await using var command = new NpgsqlCommand("SELECT convert_from(payload, 'UTF8') FROM once_grain_state WHERE grain_id_ext = $1", connection);
        command.Parameters.AddWithValue(entity.ToString());
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
