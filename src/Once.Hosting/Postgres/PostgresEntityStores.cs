using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using Once.Abstractions;
using Once.Core;
using Once.Grains;

namespace Once.Hosting.Postgres;

/// <summary>
/// The native PostgreSQL entity store of one silo (tables of <c>deploy/sql/006_entity_store.sql</c>):
/// opens <see cref="PostgresEntityStore"/>s for entity grains and shares one group committer among
/// them. An entity that has no row yet but was written by the grain-storage store
/// (<c>once_grain_state</c>) is read from there, and its first write moves it over whole.
/// </summary>
internal sealed class PostgresEntityStores : IEntityStoreProvider
{
    private const string EntryColumns = "message_id, fingerprint, status, version, result, reason, expected_version, first_seen, produced_at";

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _serviceId;
    private readonly IOptions<LedgerOptions> _ledger;
    private readonly TimeProvider _time;
    /// <summary>Whether this service has entities in the grain-storage table; found out on the first load of a new entity.</summary>
    private bool? _hasGrainStorageRows;
    private long _lookups;
    private long _lookupMisses;

    public PostgresEntityStores(
        NpgsqlDataSource dataSource, string serviceId, PostgresCommitter committer, IOptions<LedgerOptions> ledger, TimeProvider? time = null)
    {
        _dataSource = dataSource;
        _serviceId = serviceId;
        _ledger = ledger;
        _time = time ?? TimeProvider.System;
        Committer = committer;
    }

    public PostgresCommitter Committer { get; }

    /// <summary>The ledger entries each entity keeps in memory.</summary>
    public int HotSetSize => _ledger.Value.MaxEntries;

    /// <summary>Ledger reads for ids the filters let through, and how many of them found nothing.</summary>
    public (long Reads, long Misses) Lookups => (Interlocked.Read(ref _lookups), Interlocked.Read(ref _lookupMisses));

    public IEntityStore Open(EntityKey entity, IGrainContext grain) => new PostgresEntityStore(entity.ToString(), this);

    public void CountLookup(bool found)
    {
        Interlocked.Increment(ref _lookups);
        if (!found)
        {
            Interlocked.Increment(ref _lookupMisses);
        }
    }

    /// <summary>The entity row, its outbox, the hot set (newest last) and a filter over all its ledger ids; one round trip.</summary>
    public async Task<LoadedEntity> LoadAsync(string entity)
    {
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync();
            await using var batch = new NpgsqlBatch(connection)
            {
                BatchCommands =
                {
                    Command("SELECT etag, version, data, ledger_floor FROM once_entity WHERE entity_key = $1 AND service_id = $2", entity),
                    Command("SELECT entry FROM once_outbox WHERE entity_key = $1 AND service_id = $2 ORDER BY position", entity),
                    Command($"SELECT {EntryColumns} FROM once_ledger WHERE entity_key = $1 AND service_id = $2 ORDER BY first_seen DESC LIMIT $3", entity, HotSetSize),
                    Command("SELECT count(*) OVER (), message_id FROM once_ledger WHERE entity_key = $1 AND service_id = $2", entity),
                },
            };
            await using var reader = await batch.ExecuteReaderAsync();
            var state = new EntityState();
            long etag = 0;
            if (await reader.ReadAsync())
            {
                etag = reader.GetInt64(0);
                state.Version = reader.GetInt64(1);
                state.Data = reader.IsDBNull(2) ? null : reader.GetString(2);
                state.LedgerFloor = reader.IsDBNull(3) ? null : new DateTimeOffset(reader.GetFieldValue<DateTime>(3), TimeSpan.Zero);
            }

            await reader.NextResultAsync();
            while (await reader.ReadAsync())
            {
                state.Outbox.Add(JsonSerializer.Deserialize<OutboxEntry>(reader.GetString(0))!);
            }

            await reader.NextResultAsync();
            var hot = new List<LedgerEntry>();
            while (await reader.ReadAsync())
            {
                hot.Add(ReadEntry(reader));
            }

            hot.Reverse();
            state.Ledger = hot;

            await reader.NextResultAsync();
            MessageIdFilter? filter = null;
            while (await reader.ReadAsync())
            {
                filter ??= new MessageIdFilter(checked((int)reader.GetInt64(0)));
                filter.Add(reader.GetString(1));
            }

            filter ??= new MessageIdFilter();

            await reader.CloseAsync();
            if (ProducerTime.CapFloor(state.LedgerFloor, _time.GetUtcNow(), _ledger.Value.MaxFutureSkew) is { } capped && capped != state.LedgerFloor)
            {
                // In whole microseconds, as the table keeps it.
                state.LedgerFloor = capped.AddTicks(-(capped.Ticks % 10));
                await CapFloorAsync(connection, entity, state.LedgerFloor.Value);
            }

            if (etag == 0 && await HasGrainStorageRowsAsync(connection) && await ReadGrainStorageAsync(connection, entity) is { } moved)
            {
                return Moved(moved);
            }

            return new LoadedEntity(etag, state, filter, null);
        }
        catch (NpgsqlException e)
        {
            throw new EntityStoreUnavailableException($"Loading {entity} failed: {e.GetBaseException().Message}");
        }
    }

    /// <summary>
    /// Lowers a floor stored too far ahead to the cap (<see cref="ProducerTime.CapFloor"/>). Writes of
    /// the entity leave the floor to the retention job, which only raises it, and never past a cap
    /// like this one (no id recorded since may claim more), so the two cannot undo each other.
    /// </summary>
    private async Task CapFloorAsync(NpgsqlConnection connection, string entity, DateTimeOffset cap)
    {
        await using var command = new NpgsqlCommand(
            "UPDATE once_entity SET ledger_floor = $3 WHERE entity_key = $1 AND service_id = $2 AND ledger_floor > $3", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = entity });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _serviceId });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = cap.UtcDateTime });
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>One ledger entry of the entity, if the table holds it, and the entity's current ledger floor.</summary>
    public async Task<(LedgerEntry? Entry, DateTimeOffset? Floor)> FindAsync(string entity, string messageId)
    {
        try
        {
            await using var command = _dataSource.CreateCommand($"""
                SELECT e.ledger_floor, l.*
                  FROM once_entity AS e
                  LEFT JOIN LATERAL (SELECT {EntryColumns} FROM once_ledger
                                      WHERE entity_key = $1 AND service_id = $2 AND message_id = $3) AS l ON true
                 WHERE e.entity_key = $1 AND e.service_id = $2
                """);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = entity });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _serviceId });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = messageId });
            await using var reader = await command.ExecuteReaderAsync();
            if (!await reader.ReadAsync())
            {
                return (null, null);
            }

            DateTimeOffset? floor = reader.IsDBNull(0) ? null : new DateTimeOffset(reader.GetFieldValue<DateTime>(0), TimeSpan.Zero);
            return (reader.IsDBNull(1) ? null : ReadEntry(reader, offset: 1), floor);
        }
        catch (NpgsqlException e)
        {
            throw new EntityStoreUnavailableException($"Reading the ledger of {entity} failed: {e.GetBaseException().Message}");
        }
    }

    private static LoadedEntity Moved(EntityState moved)
    {
        var filter = new MessageIdFilter(moved.Ledger.Count);
        foreach (var entry in moved.Ledger)
        {
            filter.Add(entry.MessageId);
        }

        // Memory gets a copy: the original is what the first write carries over, whole.
        var state = new EntityState
        {
            Version = moved.Version,
            Data = moved.Data,
            LedgerFloor = moved.LedgerFloor,
            Ledger = [.. moved.Ledger],
            Outbox = [.. moved.Outbox],
        };
        return new LoadedEntity(0, state, filter, moved);
    }

    private NpgsqlBatchCommand Command(string sql, string entity, int? limit = null)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = entity });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _serviceId });
        if (limit is { } l)
        {
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = l });
        }

        return command;
    }

    private static LedgerEntry ReadEntry(NpgsqlDataReader reader, int offset = 0)
    {
        string? Text(int i) => reader.IsDBNull(offset + i) ? null : reader.GetString(offset + i);
        long? Long(int i) => reader.IsDBNull(offset + i) ? null : reader.GetInt64(offset + i);
        var outcome = new RecordedOutcome((OutcomeStatus)reader.GetInt16(offset + 2), reader.GetInt64(offset + 3), Text(4), Text(5), Long(6));
        DateTimeOffset? produced = reader.IsDBNull(offset + 8) ? null : new DateTimeOffset(reader.GetFieldValue<DateTime>(offset + 8), TimeSpan.Zero);
        return new LedgerEntry(reader.GetString(offset), reader.GetString(offset + 1), outcome, new DateTimeOffset(reader.GetFieldValue<DateTime>(offset + 7), TimeSpan.Zero), produced);
    }

    /// <summary>
    /// Whether this service has entities in the grain-storage table at all: if not, no load looks
    /// there again. Asked on the caller's connection, so concurrent loads never need a second one.
    /// </summary>
    private async Task<bool> HasGrainStorageRowsAsync(NpgsqlConnection connection)
    {
        if (_hasGrainStorageRows is { } known)
        {
            return known;
        }

        _hasGrainStorageRows = await AskGrainStorageAsync(connection);
        return _hasGrainStorageRows.Value;
    }

    private async Task<bool> AskGrainStorageAsync(NpgsqlConnection connection)
    {
        await using (var exists = new NpgsqlCommand("SELECT to_regclass('once_grain_state') IS NOT NULL", connection))
        {
            if (await exists.ExecuteScalarAsync() is not true)
            {
                return false;
            }
        }

        await using var any = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM once_grain_state WHERE service_id = $1 AND state_name = $2)", connection);
        any.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _serviceId });
        any.Parameters.Add(new NpgsqlParameter<string> { TypedValue = EntityGrainNames.StateName });
        return await any.ExecuteScalarAsync() is true;
    }

    /// <summary>The entity as the grain-storage store wrote it (System.Text.Json of <see cref="EntityState"/>), if it did.</summary>
    private async Task<EntityState?> ReadGrainStorageAsync(NpgsqlConnection connection, string entity)
    {
        await using var command = new NpgsqlCommand("""
            SELECT payload FROM once_grain_state
             WHERE service_id = $1 AND state_name = $2 AND grain_id_n0 = 0 AND grain_id_n1 = 0 AND grain_id_ext = $3 AND payload IS NOT NULL
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _serviceId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = EntityGrainNames.StateName });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = entity });
        return await command.ExecuteScalarAsync() is byte[] payload ? JsonSerializer.Deserialize<EntityState>(payload) : null;
    }
}

/// <summary>What loading an entity found: its etag (0: no row), state, ledger filter, and a grain-storage row to move.</summary>
internal sealed record LoadedEntity(long Etag, EntityState State, MessageIdFilter Filter, EntityState? Moved);
