using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Npgsql;

namespace Once.Postgres.Tests.Processes;

/// <summary>
/// What the process-level outbox tests share: a PostgreSQL trigger that refuses state writes of
/// chosen entities on demand, the stored outboxes read straight from PostgreSQL, which silo hosts
/// which entity (read from the silos' logs) and sending a message over HTTP.
/// </summary>
internal static class OutboxFaults
{
    /// <summary>
    /// Installs a trigger that refuses state writes of entities whose key starts with a blocked prefix.
    /// Every change of an entity writes its row in the native store (an outbox removal too), so the
    /// trigger refuses the whole change.
    /// </summary>
    public static Task InstallWriteBlockerAsync(NpgsqlConnection sql) => ExecuteAsync(sql, """
        CREATE TABLE blocked_writes (prefix text PRIMARY KEY);
        CREATE FUNCTION refuse_blocked_writes() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF EXISTS (SELECT 1 FROM blocked_writes WHERE NEW.entity_key LIKE prefix || '%') THEN
            RAISE EXCEPTION 'injected: writes of % are refused', NEW.entity_key;
          END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER refuse_blocked_writes BEFORE INSERT OR UPDATE ON once_entity
          FOR EACH ROW EXECUTE FUNCTION refuse_blocked_writes();
        """);

    public static Task BlockAsync(NpgsqlConnection sql, string prefix) => ExecuteAsync(sql, "INSERT INTO blocked_writes VALUES ($1)", prefix);

    public static Task UnblockAsync(NpgsqlConnection sql, string prefix) => ExecuteAsync(sql, "DELETE FROM blocked_writes WHERE prefix = $1", prefix);

    /// <summary>How many messages wait in the stored outbox of each entity whose key starts with <paramref name="prefix"/>.</summary>
    public static async Task<IReadOnlyList<int>> PendingOutboxesAsync(NpgsqlConnection sql, string prefix)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT count(o.message_id)::int
              FROM once_entity AS e LEFT JOIN once_outbox AS o ON o.entity_key = e.entity_key AND o.service_id = e.service_id
             WHERE e.entity_key LIKE $1 || '%'
             GROUP BY e.entity_key
            """, sql);
        command.Parameters.AddWithValue(prefix);
        var counts = new List<int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            counts.Add(reader.GetInt32(0));
        }

        return counts;
    }

    /// <summary>
    /// The entities (keys starting with <paramref name="prefix"/>) a silo's log names while retrying
    /// their outbox: the ones that silo hosts.
    /// </summary>
    public static HashSet<string> OutboxesInLog(LocalCluster cluster, int silo, string prefix)
    {
        var log = File.ReadAllText(Path.Combine(cluster.LogDirectory, $"silo{silo}.log"));
        return [.. Regex.Matches(log, Regex.Escape(prefix) + @"\S* outbox").Select(m => m.Value.Split(' ')[0])];
    }

    /// <summary>Sends a message to an entity (<c>type/id</c>) with the message id as Idempotency-Key; it must succeed.</summary>
    public static async Task PostAsync(HttpClient http, string entity, string messageId, string type, object data)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/entities/{entity}/messages")
        {
            Content = JsonContent.Create(new { type, data }),
        };
        request.Headers.Add("Idempotency-Key", messageId);
        using var response = await http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"{type} to {entity}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task ExecuteAsync(NpgsqlConnection sql, string text, string? parameter = null)
    {
        await using var command = new NpgsqlCommand(text, sql);
        if (parameter is not null)
        {
            command.Parameters.AddWithValue(parameter);
        }

        await command.ExecuteNonQueryAsync();
    }
}
