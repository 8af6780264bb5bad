using Npgsql;
using NpgsqlTypes;

namespace Once.Postgres.Tests;

/// <summary>The grain storage query texts against the contract of Microsoft.Orleans.Persistence.AdoNet.</summary>
[Collection(PostgresCollection.Name)]
public sealed class StorageQueryTests(PostgresServer postgres)
{
    [Fact]
    public async Task FirstWrite_ThenWriteWithItsVersion_CreatesOneThenBumps()
    {
        await using var db = await OpenAsync();

        var created = await WriteAsync(db, "accounts/a1", expected: null, "v1");
        var updated = await WriteAsync(db, "accounts/a1", expected: created, "v2");
        var read = await ReadAsync(db, "accounts/a1");

        Assert.Equal(1, created);
        Assert.Equal(2, updated);
        Assert.Equal(("v2", 2), read);
    }

    [Fact]
    public async Task Write_WithStaleVersion_IsAConflictAndChangesNothing()
    {
        await using var db = await OpenAsync();
        await WriteAsync(db, "accounts/a1", expected: null, "v1");
        await WriteAsync(db, "accounts/a1", expected: 1, "v2");

        var stale = await WriteAsync(db, "accounts/a1", expected: 1, "stale");
        var secondFirst = await WriteAsync(db, "accounts/a1", expected: null, "another first");

        Assert.Null(stale);
        Assert.Null(secondFirst);
        Assert.Equal(("v2", 2), await ReadAsync(db, "accounts/a1"));
    }

    [Fact]
    public async Task ConcurrentFirstWrites_OneIdentity_OneWinsAndOneRowExists()
    {
        await using var db = await OpenAsync();
        await using var other = await db.DataSource.OpenConnectionAsync();

        // The first writer's insert is not committed yet when the second one runs, so the second
        // really races it: it waits on the unique key, then must see a conflict, not insert a row.
        await using var transaction = await db.Connection.BeginTransactionAsync();
        var first = await WriteAsync(db, "accounts/race", expected: null, "first", transaction);
        var second = Task.Run(() => WriteAsync(new Db(db.DataSource, other), "accounts/race", expected: null, "second"));
        await WaitUntilBlockedOnALockAsync(db.DataSource);
        Assert.False(second.IsCompleted);
        await transaction.CommitAsync();

        Assert.Equal(1, first);
        Assert.Null(await second);
        Assert.Equal(1, await Sql.CountAsync(db.Connection, "SELECT count(*) FROM once_grain_state WHERE grain_id_ext = 'accounts/race'"));
        Assert.Equal(("first", 1), await ReadAsync(db, "accounts/race"));
    }

    [Fact]
    public async Task SameKey_DifferentStateNames_AreSeparateRows()
    {
        await using var db = await OpenAsync();

        await WriteAsync(db, "accounts/a1", expected: null, "entity", stateName: "once-entity");
        await WriteAsync(db, "accounts/a1", expected: null, "other", stateName: "other-state");

        Assert.Equal(("entity", 1), await ReadAsync(db, "accounts/a1", "once-entity"));
        Assert.Equal(("other", 1), await ReadAsync(db, "accounts/a1", "other-state"));
    }

    [Fact]
    public async Task Read_MissingRow_ReturnsNoRow()
    {
        await using var db = await OpenAsync();

        var rows = await Sql.RunAsync(db.Connection, "ReadFromStorageKey", Identity("accounts/none", "once-entity"));

        Assert.Empty(rows);
    }

    [Fact]
    public async Task Clear_KeepsRowWithNewVersion_AndDeleteRemovesIt()
    {
        await using var db = await OpenAsync();
        await WriteAsync(db, "accounts/c1", expected: null, "v1");

        var cleared = await Sql.RunAsync(db.Connection, "ClearStorageKey", With(Identity("accounts/c1", "once-entity"), ("GrainStateVersion", 1)));
        var afterClear = await Sql.RunAsync(db.Connection, "ReadFromStorageKey", Identity("accounts/c1", "once-entity"));
        var rewritten = await WriteAsync(db, "accounts/c1", expected: 2, "v3");
        var deleted = await Sql.RunAsync(db.Connection, "DeleteStorageKey", With(Identity("accounts/c1", "once-entity"), ("GrainStateVersion", 3)));

        Assert.Equal(2, Convert.ToInt32(cleared.Single().Values.First(), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Null(afterClear.Single()["PayloadBinary"]);
        Assert.Equal(3, rewritten);
        Assert.NotEqual(3, Convert.ToInt32(deleted.Single().Values.First(), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(0, await Sql.CountAsync(db.Connection, "SELECT count(*) FROM once_grain_state WHERE grain_id_ext = 'accounts/c1'"));
    }

    private static async Task WaitUntilBlockedOnALockAsync(NpgsqlDataSource dataSource)
    {
        await using var probe = await dataSource.OpenConnectionAsync();
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await Sql.CountAsync(probe, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "The second write never waited on the first one's lock.");
            await timer.WaitForNextTickAsync();
        }
    }

    private async Task<Db> OpenAsync()
    {
        var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());
        return new Db(dataSource, await dataSource.OpenConnectionAsync());
    }

    private static async Task<int?> WriteAsync(
        Db db, string key, int? expected, string payload, NpgsqlTransaction? transaction = null, string stateName = "once-entity")
    {
        var parameters = With(
            Identity(key, stateName),
            ("GrainStateVersion", expected is { } v ? v : new Sql.TypedNull(NpgsqlDbType.Integer)),
            ("PayloadBinary", System.Text.Encoding.UTF8.GetBytes(payload)));
        var rows = await Sql.RunAsync(db.Connection, "WriteToStorageKey", parameters, transaction);
        return rows.Single()["NewGrainStateVersion"] is { } version ? Convert.ToInt32(version, System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    private static async Task<(string Payload, int Version)> ReadAsync(Db db, string key, string stateName = "once-entity")
    {
        var row = (await Sql.RunAsync(db.Connection, "ReadFromStorageKey", Identity(key, stateName))).Single();
        return (System.Text.Encoding.UTF8.GetString((byte[])row["PayloadBinary"]!), Convert.ToInt32(row["Version"], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The seven identity parameters, as the provider binds them for a string grain key.</summary>
    private static Dictionary<string, object?> Identity(string key, string stateName) => new()
    {
        ["ServiceId"] = "once",
        ["GrainTypeString"] = stateName,
        ["GrainIdN0"] = 0L,
        ["GrainIdN1"] = 0L,
        ["GrainIdExtensionString"] = key,
        ["GrainIdHash"] = key.GetHashCode(StringComparison.Ordinal),
        ["GrainTypeHash"] = stateName.GetHashCode(StringComparison.Ordinal),
    };

    private static Dictionary<string, object?> With(Dictionary<string, object?> parameters, params (string Name, object? Value)[] more)
    {
        foreach (var (name, value) in more)
        {
            parameters[name] = value;
        }

        return parameters;
    }

    private sealed record Db(NpgsqlDataSource DataSource, NpgsqlConnection Connection) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Connection.DisposeAsync();
            await DataSource.DisposeAsync();
        }
    }
}
