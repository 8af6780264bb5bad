using Npgsql;
using Once.Abstractions;

namespace Once.Benchmarks;

/// <summary>
/// The hand-written idempotent consumer Once is compared with, written plainly: plain Npgsql, one
/// connection per worker, prepared statements, and per message in one transaction: insert the id
/// (ON CONFLICT DO NOTHING) and, only if it was new, upsert the account row. With a batch size above 1
/// a worker puts that many messages into one transaction, in key order.
/// </summary>
internal sealed class ClassicConsumer(string connectionString) : IAsyncDisposable
{
    private const string InsertIdSql = "INSERT INTO classic_processed (message_id) VALUES ($1) ON CONFLICT DO NOTHING";
    private const string UpsertSql = """
        INSERT INTO classic_account (account, balance, version) VALUES ($1, $2, 1)
        ON CONFLICT (account) DO UPDATE SET balance = classic_account.balance + EXCLUDED.balance, version = classic_account.version + 1
        """;

    private readonly NpgsqlDataSource _dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = 300 }.ConnectionString);
    private readonly List<Worker> _workers = [];

    public static async Task CreateSchemaAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("""
            CREATE TABLE IF NOT EXISTS classic_processed (message_id text PRIMARY KEY);
            CREATE TABLE IF NOT EXISTS classic_account (account text PRIMARY KEY, balance numeric NOT NULL, version bigint NOT NULL);
            """);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Opens a connection (with its prepared statements) for each of this many workers.</summary>
    public void OpenWorkers(int count)
    {
        while (_workers.Count < count)
        {
            _workers.Add(new Worker(_dataSource.OpenConnection()));
        }
    }

    /// <summary>Processes the messages in one transaction on the worker's connection; returns how many.</summary>
    public async Task<int> ProcessAsync(int worker, IReadOnlyList<(string MessageId, string Account, decimal Amount)> messages)
    {
        var w = _workers[worker];

        await using var transaction = await w.Connection.BeginTransactionAsync();
        // In key order, as anyone batching upserts would: transactions that lock rows in different
        // orders deadlock each other.
        foreach (var (messageId, account, amount) in messages.OrderBy(m => m.Account, StringComparer.Ordinal))
        {
            w.InsertId.Transaction = transaction;
            w.InsertId.Parameters[0].Value = messageId;
            if (await w.InsertId.ExecuteNonQueryAsync() == 1)
            {
                w.Upsert.Transaction = transaction;
                w.Upsert.Parameters[0].Value = account;
                w.Upsert.Parameters[1].Value = amount;
                await w.Upsert.ExecuteNonQueryAsync();
            }
        }

        await transaction.CommitAsync();
        return messages.Count;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _workers)
        {
            await worker.Connection.DisposeAsync();
        }

        await _dataSource.DisposeAsync();
    }

    private sealed class Worker
    {
        public Worker(NpgsqlConnection connection)
        {
            Connection = connection;
            InsertId = new NpgsqlCommand(InsertIdSql, connection) { Parameters = { new NpgsqlParameter<string>() } };
            Upsert = new NpgsqlCommand(UpsertSql, connection) { Parameters = { new NpgsqlParameter<string>(), new NpgsqlParameter<decimal>() } };
            InsertId.Prepare();
            Upsert.Prepare();
        }

        public NpgsqlConnection Connection { get; }

        public NpgsqlCommand InsertId { get; }

        public NpgsqlCommand Upsert { get; }
    }
}
