using System.Buffers.Text;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;
using Once.Abstractions;
using Once.Client;
using Once.Grains;
using Orleans.Serialization;

namespace Once.Hosting.Postgres;

/// <summary>
/// The stream queue's own dead letters (table <c>once_stream_dead_letter</c>) of one service and the
/// <see cref="OnceStreams.ProviderName"/> provider. A row is one dead letter, id
/// <c>q-{base64url(queue id)}.{row id}</c>; its payload is decoded into the one envelope
/// <see cref="EntityStreamPublisher"/> put in it.
/// </summary>
internal sealed partial class PostgresQueueDeadLetters(
    string connectionString, string serviceId, Serializer<QueuedBatch> serializer, ILogger<PostgresQueueDeadLetters> logger)
    : IQueueDeadLetters, IAsyncDisposable
{
    private const string IdPrefix = "q-";
    private const string Columns = "queue_id, message_id, dequeued, payload, reason, dead_lettered_on";
    private readonly NpgsqlDataSource _dataSource = NpgsqlDataSource.Create(connectionString);

    public async Task<DeadLetterPage> ListAsync(int count)
    {
        if (count <= 0)
        {
            return new DeadLetterPage([], await CountAsync());
        }

        // With at least one row asked for, no row back means an empty table; otherwise every row carries the count.
        await using var command = _dataSource.CreateCommand(
            $"""
            SELECT {Columns}, count(*) OVER () AS total
              FROM once_stream_dead_letter
             WHERE service_id = $1 AND provider_id = $2
             ORDER BY dead_lettered_on, queue_id, message_id
             LIMIT $3
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = serviceId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = OnceStreams.ProviderName });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = count });
        await using var reader = await command.ExecuteReaderAsync();
        var items = new List<DeadLetter>();
        var total = 0;
        while (await reader.ReadAsync())
        {
            total = (int)reader.GetInt64(6);
            if (Decode(reader) is { } deadLetter)
            {
                items.Add(deadLetter);
            }
        }

        return new DeadLetterPage(items, total);
    }

    public async Task<DeadLetter?> GetAsync(string id)
    {
        if (!TryParseId(id, out var queueId, out var rowId))
        {
            return null;
        }

        await using var command = _dataSource.CreateCommand(
            $"SELECT {Columns} FROM once_stream_dead_letter WHERE service_id = $1 AND provider_id = $2 AND queue_id = $3 AND message_id = $4");
        AddRowIdentity(command, queueId, rowId);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? Decode(reader) : null;
    }

    public async Task<bool> RemoveAsync(string id)
    {
        if (!TryParseId(id, out var queueId, out var rowId))
        {
            return false;
        }

        await using var command = _dataSource.CreateCommand(
            "DELETE FROM once_stream_dead_letter WHERE service_id = $1 AND provider_id = $2 AND queue_id = $3 AND message_id = $4");
        AddRowIdentity(command, queueId, rowId);
        return await command.ExecuteNonQueryAsync() > 0;
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    internal static string IdOf(string queueId, long rowId) => $"{IdPrefix}{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(queueId))}.{rowId}";

    private static bool TryParseId(string id, out string queueId, out long rowId)
    {
        (queueId, rowId) = (string.Empty, 0);
        var dot = id.LastIndexOf('.');
        if (!id.StartsWith(IdPrefix, StringComparison.Ordinal) || dot < IdPrefix.Length
            || !long.TryParse(id.AsSpan(dot + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out rowId))
        {
            return false;
        }

        try
        {
            queueId = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(id.AsSpan(IdPrefix.Length, dot - IdPrefix.Length)));
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static string ReasonOf(string reason) => reason switch
    {
        "expired" => "expired: not confirmed within the stream queue's ExpiryTimeout",
        "attempts" => "attempts: the stream queue handed it out MaxAttempts times without a confirmation",
        "failed" => "failed: the stream queue's last delivery attempt failed",
        _ => reason,
    };

    private async Task<int> CountAsync()
    {
        await using var command = _dataSource.CreateCommand("SELECT count(*) FROM once_stream_dead_letter WHERE service_id = $1 AND provider_id = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = serviceId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = OnceStreams.ProviderName });
        return (int)(long)(await command.ExecuteScalarAsync())!;
    }

    private void AddRowIdentity(NpgsqlCommand command, string queueId, long rowId)
    {
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = serviceId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = OnceStreams.ProviderName });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = queueId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = rowId });
    }

    /// <summary>The row as a dead letter, or null (logged) when its payload is not one Once envelope.</summary>
    private DeadLetter? Decode(NpgsqlDataReader row)
    {
        var (queueId, rowId) = (row.GetString(0), row.GetInt64(1));
        List<MessageEnvelope> envelopes;
        try
        {
            envelopes = [.. serializer.Deserialize(row.GetFieldValue<byte[]>(3))?.Events?.OfType<MessageEnvelope>() ?? []];
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogUndecodable(e, queueId, rowId);
            return null;
        }

        if (envelopes.Count != 1)
        {
            LogNotOneEnvelope(queueId, rowId, envelopes.Count);
            return null;
        }

        return new DeadLetter(
            IdOf(queueId, rowId), envelopes[0], ReasonOf(row.GetString(4)), "queue", row.GetInt32(2), row.GetFieldValue<DateTimeOffset>(5));
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Stream queue {QueueId} dead letter {RowId}: its payload cannot be decoded; it is not listed")]
    private partial void LogUndecodable(Exception exception, string queueId, long rowId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Stream queue {QueueId} dead letter {RowId} carries {Count} Once envelopes, not one; it is not listed")]
    private partial void LogNotOneEnvelope(string queueId, long rowId, int count);
}
