using Npgsql;

namespace Once.Postgres.Tests;

/// <summary>The four persistence query texts, run the way Microsoft.Orleans.Persistence.AdoNet runs them.</summary>
[Collection(PostgresCollection.Name)]
public sealed class GrainStorageQueryTests(PostgresServer server) : IAsyncLifetime
{
    private const string Write = "WriteToStorageKey";
    private const string Read = "ReadFromStorageKey";
    private const string Clear = "ClearStorageKey";
    private const string Delete = "DeleteStorageKey";

    private readonly string _service = "svc-" + Guid.NewGuid().ToString("N");

    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = new TestDatabase(await server.DatabaseForAsync(GetType()));

    public Task DisposeAsync() => Task.CompletedTask;

    private StorageIdentity Entity(string key) => StorageIdentity.StringKey(_service, "once-entity", key);

    [Fact]
    public async Task FirstWrite_NoExpectedVersion_CreatesVersion1()
    {
        var id = Entity("accounts/a1");

        var result = await _db.RunAsync(Write, id.Parameters(null, StorageIdentity.Json("{\"n\":1}")));

        Assert.Equal(1, Assert.Single(result)["NewGrainStateVersion"]);
        var read = Assert.Single(await _db.RunAsync(Read, id.Parameters()));
        Assert.Equal(1, read["Version"]);
        Assert.Equal(StorageIdentity.Json("{\"n\":1}"), read["PayloadBinary"]);
    }

    [Fact]
    public async Task Write_CurrentVersion_ReplacesPayloadAndBumpsVersion()
    {
        var id = Entity("accounts/a2");
        await _db.RunAsync(Write, id.Parameters(null, StorageIdentity.Json("{\"n\":1}")));

        var second = await _db.RunAsync(Write, id.Parameters(1, StorageIdentity.Json("{\"n\":2}")));
        var third = await _db.RunAsync(Write, id.Parameters(2, StorageIdentity.Json("{\"n\":3}")));

        Assert.Equal(2, Assert.Single(second)["NewGrainStateVersion"]);
        Assert.Equal(3, Assert.Single(third)["NewGrainStateVersion"]);
        var read = Assert.Single(await _db.RunAsync(Read, id.Parameters()));
        Assert.Equal(3, read["Version"]);
        Assert.Equal(StorageIdentity.Json("{\"n\":3}"), read["PayloadBinary"]);
    }

    [Fact]
    public async Task Write_StaleVersion_ReturnsNullAndLeavesRowUnchanged()
    {
        var id = Entity("accounts/a3");
        await _db.RunAsync(Write, id.Parameters(null, StorageIdentity.Json("{\"n\":1}")));
        await _db.RunAsync(Write, id.Parameters(1, StorageIdentity.Json("{\"n\":2}")));

        var stale = await _db.RunAsync(Write, id.Parameters(1, StorageIdentity.Json("{\"stale\":true}")));

        // One row with NULL: the provider reads "" and throws InconsistentStateException.
        Assert.Null(Assert.Single(stale)["NewGrainStateVersion"]);
        var read = Assert.Single(await _db.RunAsync(Read, id.Parameters()));
        Assert.Equal(2, read["Version"]);
        Assert.Equal(StorageIdentity.Json("{\"n\":2}"), read["PayloadBinary"]);
    }

    [Fact]
    public async Task FirstWrite_RowAlreadyExists_ReturnsNullAndLeavesRowUnchanged()
    {
        var id = Entity("accounts/a4");
        await _db.RunAsync(Write, id.Parameters(null, StorageIdentity.Json("{\"first\":true}")));

        var second = await _db.RunAsync(Write, id.Parameters(null, StorageIdentity.Json("{\"second\":true}")));

        Assert.Null(Assert.Single(second)["NewGrainStateVersion"]);
        var read = Assert.Single(await _db.RunAsync(Read, id.Parameters()));
        Assert.Equal(1, read["Version"]);
        Assert.Equal(StorageIdentity.Json("{\"first\":true}"), read["PayloadBinary"]);
    }

    [Fact]
    public async Task FirstWrite_NullExtensionTwice_SecondConflicts()
    {
        // Guid- and integer-keyed grains have no extension: NULLS NOT DISTINCT must still make them unique.
        var id = new StorageIdentity(_service, "state", 7383445245961249331, -4822678189205112, null);
        await _db.RunAsync(Write, id.Parameters(null, StorageIdentity.Json("{}")));

        var second = await _db.RunAsync(Write, id.Parameters(null, StorageIdentity.Json("{}")));

        Assert.Null(Assert.Single(second)["NewGrainStateVersion"]);
        Assert.Equal(1L, await CountRowsAsync(id));
    }

    [Fact]
    public async Task FirstWrites_TwoConnectionsStartedTogether_ExactlyOneWinsPerIdentity()
    {
        const int identities = 20;
        await using var a = await _db.OpenAsync();
        await using var b = await _db.OpenAsync();
        var writeText = await _db.QueryTextAsync(Write);

        for (var i = 0; i < identities; i++)
        {
            var id = Entity($"accounts/race-{i}");
            var results = await Task.WhenAll(
                TestDatabase.RunTextAsync(a, writeText, id.Parameters(null, StorageIdentity.Json("{\"by\":\"a\"}"))),
                TestDatabase.RunTextAsync(b, writeText, id.Parameters(null, StorageIdentity.Json("{\"by\":\"b\"}"))));

            var versions = results.Select(rows => Assert.Single(rows)["NewGrainStateVersion"]).ToArray();
            Assert.Single(versions, v => v is 1);
            Assert.Single(versions, v => v is null);
            Assert.Equal(1L, await CountRowsAsync(id));
        }
    }

    [Fact]
    public async Task FirstWrite_WhileAnotherFirstWriteIsUncommitted_WaitsThenConflicts()
    {
        var outcome = await RaceAgainstUncommittedFirstWriteAsync(await _db.QueryTextAsync(Write), Entity("accounts/blocked"), "once_grain_state");

        Assert.Equal(1, outcome.Successes);
        Assert.Equal(1L, outcome.Rows);
    }

    [Fact]
    public async Task FirstWrite_WithoutUniqueIdentity_LetsBothWritersWin()
    {
        // Negative control for the test above: the same race against a copy of the table without the
        // unique key (upstream's design) and an insert without a conflict target leaves two rows, so the
        // checker above can fail.
        await _db.QueryAsync("CREATE TABLE control_grain_state (LIKE once_grain_state INCLUDING DEFAULTS)");
        var text = (await _db.QueryTextAsync(Write))
            .Replace("once_grain_state", "control_grain_state", StringComparison.Ordinal)
            .Replace("ON CONFLICT ON CONSTRAINT control_grain_state_identity DO NOTHING", "ON CONFLICT DO NOTHING", StringComparison.Ordinal);

        var outcome = await RaceAgainstUncommittedFirstWriteAsync(text, Entity("accounts/blocked"), "control_grain_state");

        Assert.Equal(2, outcome.Successes);
        Assert.Equal(2L, outcome.Rows);
    }

    [Fact]
    public async Task SameKey_OtherStateNameOrService_IsSeparateRow()
    {
        var key = $"accounts/shared-{Guid.NewGuid():N}";
        var ids = new[]
        {
            StorageIdentity.StringKey(_service, "once-entity", key),
            StorageIdentity.StringKey(_service, "other-state", key),
            StorageIdentity.StringKey(_service + "-other", "once-entity", key),
        };

        foreach (var id in ids)
        {
            var result = await _db.RunAsync(Write, id.Parameters(null, StorageIdentity.Json($"{{\"state\":\"{id.StateName}\",\"svc\":\"{id.ServiceId}\"}}")));
            Assert.Equal(1, Assert.Single(result)["NewGrainStateVersion"]);
        }

        foreach (var id in ids)
        {
            var read = Assert.Single(await _db.RunAsync(Read, id.Parameters()));
            Assert.Equal(StorageIdentity.Json($"{{\"state\":\"{id.StateName}\",\"svc\":\"{id.ServiceId}\"}}"), read["PayloadBinary"]);
        }

        Assert.Equal(3L, await _db.ScalarAsync<long>("SELECT count(*) FROM once_grain_state WHERE grain_id_ext = @key", Param.Text("key", key)));
    }

    [Fact]
    public async Task Read_MissingRow_ReturnsNoRow()
    {
        await _db.RunAsync(Write, Entity("accounts/present").Parameters(null, StorageIdentity.Json("{}")));

        Assert.Empty(await _db.RunAsync(Read, Entity("accounts/absent").Parameters()));
        Assert.Empty(await _db.RunAsync(Read, new StorageIdentity(_service, "once-entity", 0, 0, null).Parameters()));
    }

    [Fact]
    public async Task Clear_CurrentVersion_KeepsRowWithNullPayloadAndNewVersion()
    {
        var id = Entity("accounts/clear");
        await _db.RunAsync(Write, id.Parameters(null, StorageIdentity.Json("{\"n\":1}")));

        var cleared = Assert.Single(await _db.RunAsync(Clear, id.Parameters(1)));

        Assert.Equal(2, cleared[0]);
        var read = Assert.Single(await _db.RunAsync(Read, id.Parameters()));
        Assert.Null(read["PayloadBinary"]);
        Assert.Equal(2, read["Version"]);

        // The grain now holds ETag 2: its next write takes the update path; a writer that thinks
        // nothing exists still conflicts, because the cleared row keeps fencing.
        Assert.Null(Assert.Single(await _db.RunAsync(Write, id.Parameters(null, StorageIdentity.Json("{}"))))["NewGrainStateVersion"]);
        Assert.Equal(3, Assert.Single(await _db.RunAsync(Write, id.Parameters(2, StorageIdentity.Json("{\"n\":3}"))))["NewGrainStateVersion"]);
    }

    [Fact]
    public async Task Clear_StaleVersion_ReturnsNoRowAndLeavesRowUnchanged()
    {
        var id = Entity("accounts/clear-stale");
        await _db.RunAsync(Write, id.Parameters(null, StorageIdentity.Json("{\"n\":1}")));
        await _db.RunAsync(Write, id.Parameters(1, StorageIdentity.Json("{\"n\":2}")));

        Assert.Empty(await _db.RunAsync(Clear, id.Parameters(1)));

        var read = Assert.Single(await _db.RunAsync(Read, id.Parameters()));
        Assert.Equal(2, read["Version"]);
        Assert.Equal(StorageIdentity.Json("{\"n\":2}"), read["PayloadBinary"]);
    }

    [Fact]
    public async Task Delete_CurrentVersion_RemovesRowAndNextFirstWriteStartsAt1()
    {
        var id = Entity("accounts/delete");
        await _db.RunAsync(Write, id.Parameters(null, StorageIdentity.Json("{\"n\":1}")));
        await _db.RunAsync(Write, id.Parameters(1, StorageIdentity.Json("{\"n\":2}")));

        var deleted = Assert.Single(await _db.RunAsync(Delete, id.Parameters(2)));

        // Any non-NULL value other than the old version means success to the provider.
        Assert.NotNull(deleted[0]);
        Assert.NotEqual(2, deleted[0]);
        Assert.Empty(await _db.RunAsync(Read, id.Parameters()));
        Assert.Equal(1, Assert.Single(await _db.RunAsync(Write, id.Parameters(null, StorageIdentity.Json("{}"))))["NewGrainStateVersion"]);
    }

    [Fact]
    public async Task Delete_StaleVersion_ReturnsNoRowAndKeepsRow()
    {
        var id = Entity("accounts/delete-stale");
        await _db.RunAsync(Write, id.Parameters(null, StorageIdentity.Json("{\"n\":1}")));
        await _db.RunAsync(Write, id.Parameters(1, StorageIdentity.Json("{\"n\":2}")));

        Assert.Empty(await _db.RunAsync(Delete, id.Parameters(1)));
        Assert.Equal(2, Assert.Single(await _db.RunAsync(Read, id.Parameters()))["Version"]);
    }

    [Theory]
    [InlineData(Read)]
    [InlineData(Write)]
    [InlineData(Clear)]
    [InlineData(Delete)]
    public async Task Query_StringKey_FindsRowThroughIndexOnFullIdentity(string key)
    {
        var plan = await PlanAsync(await _db.QueryTextAsync(key));

        Assert.Contains(plan, line => line.Contains("Index Cond", StringComparison.Ordinal) && line.Contains("grain_id_ext", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Query_NullSafeComparisonWithIsNotDistinctFrom_CannotUseIndexForExtension()
    {
        // Negative control for the plan test: PostgreSQL cannot turn IS NOT DISTINCT FROM into an index
        // condition, so with that form every string key of a service would be scanned. The checker sees it.
        var text = (await _db.QueryTextAsync(Read)).Replace(
            "(s.grain_id_ext = @GrainIdExtensionString OR (s.grain_id_ext IS NULL AND @GrainIdExtensionString IS NULL))",
            "s.grain_id_ext IS NOT DISTINCT FROM @GrainIdExtensionString",
            StringComparison.Ordinal);
        Assert.Contains("IS NOT DISTINCT FROM", text, StringComparison.Ordinal);

        var plan = await PlanAsync(text);

        Assert.DoesNotContain(plan, line => line.Contains("Index Cond", StringComparison.Ordinal) && line.Contains("grain_id_ext", StringComparison.Ordinal));
    }

    private async Task<IReadOnlyList<string>> PlanAsync(string queryText)
    {
        await using var connection = await _db.OpenAsync();
        // The test table is tiny; without this the planner would rightly prefer a sequential scan.
        await TestDatabase.RunTextAsync(connection, "SET enable_seqscan = off");
        var rows = await TestDatabase.RunTextAsync(
            connection, "EXPLAIN " + queryText, Entity("accounts/plan").Parameters(1, StorageIdentity.Json("{}")));
        return rows.Select(row => (string)row[0]!).ToArray();
    }

    private async Task<long> CountRowsAsync(StorageIdentity id) =>
        await _db.ScalarAsync<long>(
            "SELECT count(*) FROM once_grain_state WHERE service_id = @s AND state_name = @t AND grain_id_n0 = @n0 AND grain_id_n1 = @n1 AND grain_id_ext IS NOT DISTINCT FROM @x",
            Param.Text("s", id.ServiceId), Param.Text("t", id.StateName), Param.Long("n0", id.N0), Param.Long("n1", id.N1), Param.Text("x", id.Extension));

    /// <summary>
    /// The dangerous interleaving made deterministic: writer A's first write is done but not yet
    /// committed when writer B's first write runs. B must wait for A, then lose.
    /// </summary>
    private async Task<(int Successes, long Rows)> RaceAgainstUncommittedFirstWriteAsync(string writeText, StorageIdentity id, string table)
    {
        await using var a = await _db.OpenAsync();
        await using var b = await _db.OpenAsync();
        await using var transaction = await a.BeginTransactionAsync();
        var first = await TestDatabase.RunTextAsync(a, writeText, id.Parameters(null, StorageIdentity.Json("{\"by\":\"a\"}")));

        var second = TestDatabase.RunTextAsync(b, writeText, id.Parameters(null, StorageIdentity.Json("{\"by\":\"b\"}")));
        await WaitUntilBlockedOrDoneAsync(b.ProcessID, second);
        await transaction.CommitAsync();
        var secondRows = await second;

        var successes = new[] { first, secondRows }.Count(rows => rows.Count == 1 && rows[0]["NewGrainStateVersion"] is not null);
        var count = await _db.ScalarAsync<long>(
            $"SELECT count(*) FROM {table} WHERE service_id = @s AND grain_id_ext = @x", Param.Text("s", id.ServiceId), Param.Text("x", id.Extension));
        return (successes, count);
    }

    private async Task WaitUntilBlockedOrDoneAsync(int pid, Task writer)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!writer.IsCompleted)
        {
            var waitEvent = await _db.ScalarAsync<string>("SELECT wait_event_type FROM pg_stat_activity WHERE pid = @pid", Param.Int("pid", pid));
            if (waitEvent == "Lock")
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The second writer neither finished nor waited on a lock within 10 s.");
            }
        }
    }
}
