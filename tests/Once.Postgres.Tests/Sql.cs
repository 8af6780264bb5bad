using Npgsql;
using NpgsqlTypes;

namespace Once.Postgres.Tests;

/// <summary>Runs the stored query texts the way the Orleans ADO.NET providers do: by key, with named parameters.</summary>
internal static class Sql
{
    public static async Task<string> QueryTextAsync(NpgsqlConnection connection, string key)
    {
        await using var command = new NpgsqlCommand("SELECT querytext FROM orleansquery WHERE querykey = $1", connection);
        command.Parameters.AddWithValue(key);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Executes one stored query and returns every row of every result set, flattened, as the providers read them.</summary>
    public static async Task<List<Dictionary<string, object?>>> RunAsync(
        NpgsqlConnection connection, string key, Dictionary<string, object?> parameters, NpgsqlTransaction? transaction = null)
    {
        await using var command = new NpgsqlCommand(await QueryTextAsync(connection, key), connection, transaction);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.Add(value switch
            {
                null => new NpgsqlParameter(name, DBNull.Value),
                TypedNull typed => new NpgsqlParameter(name, typed.Type) { Value = DBNull.Value },
                _ => new NpgsqlParameter(name, value),
            });
        }

        var rows = new List<Dictionary<string, object?>>();
        await using var reader = await command.ExecuteReaderAsync();
        do
        {
            while (await reader.ReadAsync())
            {
                var row = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    row[reader.GetName(i)] = reader.IsDBNull(i) ? null : reader.GetValue(i);
                }

                rows.Add(row);
            }
        }
        while (await reader.NextResultAsync());
        return rows;
    }

    public static async Task<long> CountAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>A NULL bound with the type the provider gives it (Orleans binds typed NULLs).</summary>
    public sealed record TypedNull(NpgsqlDbType Type);
}
