using System.Text.Json;
using Npgsql;
using Once.Abstractions;
using Once.Grains;

namespace Once.Hosting.Postgres;

/// <summary>The native store's dead letters: table <c>once_dead_letter</c> (<c>deploy/sql/007_dead_letters.sql</c>), one row each.</summary>
internal sealed class PostgresDeadLetters(NpgsqlDataSource dataSource, string serviceId) : IDeadLetterTable
{
    public async Task AddAsync(DeadLetter deadLetter)
    {
        ArgumentNullException.ThrowIfNull(deadLetter);
        await using var command = Command("""
            INSERT INTO once_dead_letter (entity_key, service_id, id, dead_lettered_at, source, item)
            VALUES ($2, $1, $3, $4, $5, $6)
            ON CONFLICT (entity_key, service_id, id) DO UPDATE
               SET dead_lettered_at = EXCLUDED.dead_lettered_at, source = EXCLUDED.source, item = EXCLUDED.item
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = deadLetter.Envelope.Entity.ToString() });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = deadLetter.Id });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = deadLetter.DeadLetteredAt.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = deadLetter.Source });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = JsonSerializer.Serialize(deadLetter) });
        await ExecuteAsync(command, c => c.ExecuteNonQueryAsync());
    }

    public async Task<DeadLetterPage> ListAsync(int offset, int limit)
    {
        // count(*) OVER () is taken before OFFSET/LIMIT: every row carries the total. An empty page
        // (offset past the end) needs the count on its own.
        await using var command = Command("""
            SELECT item, count(*) OVER () FROM once_dead_letter
             WHERE service_id = $1
             ORDER BY dead_lettered_at, id
            OFFSET $2 LIMIT $3
            """);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = Math.Max(0, offset) });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = Math.Max(0, limit) });
        var (items, total) = await ExecuteAsync(command, async c =>
        {
            var found = new List<DeadLetter>();
            long count = -1;
            await using var reader = await c.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                found.Add(JsonSerializer.Deserialize<DeadLetter>(reader.GetString(0))!);
                count = reader.GetInt64(1);
            }

            return (found, count);
        });
        if (total < 0)
        {
            await using var counting = Command("SELECT count(*) FROM once_dead_letter WHERE service_id = $1");
            total = (long)(await ExecuteAsync(counting, c => c.ExecuteScalarAsync()))!;
        }

        return new DeadLetterPage(items, (int)total);
    }

    public async Task<DeadLetter?> GetAsync(string id)
    {
        await using var command = Command("SELECT item FROM once_dead_letter WHERE service_id = $1 AND id = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        return await ExecuteAsync(command, c => c.ExecuteScalarAsync()) is string item ? JsonSerializer.Deserialize<DeadLetter>(item) : null;
    }

    public async Task<bool> RemoveAsync(string id)
    {
        await using var command = Command("DELETE FROM once_dead_letter WHERE service_id = $1 AND id = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        return await ExecuteAsync(command, c => c.ExecuteNonQueryAsync()) > 0;
    }

    private NpgsqlCommand Command(string sql)
    {
        var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = serviceId });
        return command;
    }

    /// <summary>Npgsql's exceptions have no Orleans codec: callers get a serialisable one.</summary>
    private static async Task<T> ExecuteAsync<T>(NpgsqlCommand command, Func<NpgsqlCommand, Task<T>> run)
    {
        try
        {
            return await run(command);
        }
        catch (NpgsqlException e)
        {
            throw new EntityStoreUnavailableException($"The dead-letter table could not be used: {e.GetBaseException().Message}");
        }
    }
}
