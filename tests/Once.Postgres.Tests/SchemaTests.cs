using Npgsql;
using Once.Hosting.Postgres;

namespace Once.Postgres.Tests;

[Collection(PostgresCollection.Name)]
public sealed class SchemaTests(PostgresServer postgres)
{
    private static readonly string[] RequiredKeys =
    [
        // persistence
        "WriteToStorageKey", "ReadFromStorageKey", "ClearStorageKey", "DeleteStorageKey",
        // clustering
        "UpdateIAmAlivetimeKey", "InsertMembershipVersionKey", "InsertMembershipKey", "UpdateMembershipKey",
        "MembershipReadRowKey", "MembershipReadAllKey", "DeleteMembershipTableEntriesKey", "GatewaysQueryKey",
        "CleanupDefunctSiloEntriesKey", "CleanupDefunctSiloEntryKey",
        // reminders
        "UpsertReminderRowKey", "ReadReminderRowsKey", "ReadReminderRowKey", "ReadRangeRows1Key", "ReadRangeRows2Key",
        "DeleteReminderRowKey", "DeleteReminderRowsKey",
        // streaming
        "QueueStreamMessageKey", "GetStreamMessagesKey", "ConfirmStreamMessagesKey", "FailStreamMessageKey",
        "EvictStreamMessagesKey", "EvictStreamDeadLettersKey",
    ];

    [Fact]
    public async Task Migrations_AppliedTwice_ChangeNothing()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(database);
        var before = await SnapshotAsync(dataSource);

        await PostgresSchema.ApplyAsync(dataSource);
        var after = await SnapshotAsync(dataSource);

        Assert.NotEmpty(before);
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task Migrations_AppliedConcurrently_AllSucceed()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(database);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => PostgresSchema.ApplyAsync(dataSource)));

        Assert.Equal(RequiredKeys.Length, await CountKeysAsync(dataSource));
    }

    [Fact]
    public async Task QueryTable_HoldsEveryKeyTheProvidersRequire()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(database);
        await using var connection = await dataSource.OpenConnectionAsync();

        foreach (var key in RequiredKeys)
        {
            Assert.False(string.IsNullOrWhiteSpace(await Sql.QueryTextAsync(connection, key)), key);
        }
    }

    private static async Task<long> CountKeysAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM orleansquery");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Query texts, tables, columns and indexes, as one comparable list.</summary>
    private static async Task<List<string>> SnapshotAsync(NpgsqlDataSource dataSource)
    {
        const string Catalog = """
            SELECT 'query ' || querykey || ' ' || md5(querytext) FROM orleansquery
            UNION ALL
            SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '')
              FROM information_schema.columns WHERE table_schema = 'public'
            UNION ALL
            SELECT 'index ' || indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
            UNION ALL
            SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace
            UNION ALL
            SELECT 'row ' || migration FROM once_schema_version
            ORDER BY 1
            """;
        var rows = new List<string>();
        await using var command = dataSource.CreateCommand(Catalog);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }
}
