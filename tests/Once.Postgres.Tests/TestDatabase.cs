using System.Data;
using Npgsql;

namespace Once.Postgres.Tests;

/// <summary>One value bound the way the Orleans ADO.NET providers bind it: a name without prefix and a DbType.</summary>
internal sealed record Param(string Name, object? Value, DbType Type)
{
    public static Param Text(string name, string? value) => new(name, value, DbType.String);

    /// <summary>Addresses and reminder grain ids go through the providers' AnsiString path.</summary>
    public static Param Ansi(string name, string value) => new(name, value, DbType.AnsiString);

    public static Param Int(string name, int? value) => new(name, value, DbType.Int32);

    public static Param Long(string name, long value) => new(name, value, DbType.Int64);

    public static Param Bytes(string name, byte[] value) => new(name, value, DbType.Binary);

    public static Param Time(string name, DateTime value) => new(name, value, DbType.DateTime);

    internal NpgsqlParameter ToNpgsql() => new() { ParameterName = Name, DbType = Type, Value = Value ?? DBNull.Value };
}

/// <summary>
/// A test's own database, and a runner for the stored query texts that works like the providers:
/// the text verbatim from <c>orleansquery</c>, no explicit transaction, and the rows of every result
/// set flattened into one list, read by case-insensitive column name.
/// </summary>
internal sealed class TestDatabase(string connectionString)
{
    public string ConnectionString { get; } = connectionString;

    public async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public async Task<string> QueryTextAsync(string key)
    {
        var text = await ScalarAsync<string>("SELECT querytext FROM orleansquery WHERE querykey = @key", Param.Text("key", key));
        return text ?? throw new InvalidOperationException($"The query {key} is not in orleansquery.");
    }

    /// <summary>Runs the stored query <paramref name="key"/> on a connection of its own.</summary>
    public async Task<IReadOnlyList<Row>> RunAsync(string key, params Param[] parameters)
    {
        await using var connection = await OpenAsync();
        return await RunAsync(connection, key, parameters);
    }

    /// <summary>Runs the stored query <paramref name="key"/> on the given connection (and its open transaction, if any).</summary>
    public async Task<IReadOnlyList<Row>> RunAsync(NpgsqlConnection connection, string key, params Param[] parameters) =>
        await RunTextAsync(connection, await QueryTextAsync(key), parameters);

    public static async Task<IReadOnlyList<Row>> RunTextAsync(NpgsqlConnection connection, string text, params Param[] parameters)
    {
        await using var command = new NpgsqlCommand(text, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(parameter.ToNpgsql());
        }

        var rows = new List<Row>();
        await using var reader = await command.ExecuteReaderAsync();
        do
        {
            while (await reader.ReadAsync())
            {
                var values = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
                var ordered = new object?[reader.FieldCount];
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    var value = reader.IsDBNull(i) ? null : reader.GetValue(i);
                    values[reader.GetName(i)] = value;
                    ordered[i] = value;
                }

                rows.Add(new Row(values, ordered));
            }
        }
        while (await reader.NextResultAsync());

        return rows;
    }

    /// <summary>Runs our own SQL (not a stored query) and returns the first column of the first row.</summary>
    public async Task<T?> ScalarAsync<T>(string sql, params Param[] parameters)
    {
        await using var connection = await OpenAsync();
        var rows = await RunTextAsync(connection, sql, parameters);
        return rows.Count == 0 || rows[0][0] is null ? default : (T)rows[0][0]!;
    }

    /// <summary>Runs our own SQL (not a stored query) and returns all rows.</summary>
    public async Task<IReadOnlyList<Row>> QueryAsync(string sql, params Param[] parameters)
    {
        await using var connection = await OpenAsync();
        return await RunTextAsync(connection, sql, parameters);
    }
}

/// <summary>One result row: by name (case-insensitive, as Npgsql resolves names for Orleans) or by position.</summary>
internal sealed class Row(IReadOnlyDictionary<string, object?> byName, IReadOnlyList<object?> byPosition)
{
    public int FieldCount => byPosition.Count;

    public object? this[string name] => byName.TryGetValue(name, out var value)
        ? value
        : throw new KeyNotFoundException($"No column '{name}' in the row (columns: {string.Join(", ", byName.Keys)}).");

    public object? this[int position] => byPosition[position];

    public bool Has(string name) => byName.ContainsKey(name);
}
