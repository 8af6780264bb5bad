using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Once.Client;
using Once.Hosting;
using Once.Hosting.Postgres;

namespace Once.Benchmarks;

/// <summary>
/// A fresh PostgreSQL database with the Once schema, dropped again at the end. The server is the one
/// named by <c>ONCE_POSTGRES</c> when set; otherwise a throwaway one that
/// <c>deploy/local-cluster.sh postgres</c> starts (as the <c>postgres</c> OS user when we are root)
/// on a free port under <c>.artifacts/streams-benchmark</c>, stopped again at the end.
/// </summary>
internal sealed class BenchmarkDatabase : IAsyncDisposable
{
    private const string Script = "deploy/local-cluster.sh";

    private readonly string _adminConnectionString;
    private readonly string _name;
    private readonly LocalServer? _server;

    private BenchmarkDatabase(string adminConnectionString, string name, LocalServer? server, string serverVersion, string synchronousCommit)
    {
        _adminConnectionString = adminConnectionString;
        _name = name;
        _server = server;
        ConnectionString = new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = name }.ConnectionString;
        ServerVersion = serverVersion;
        SynchronousCommit = synchronousCommit;
    }

    public string ConnectionString { get; }

    /// <summary>Where the server comes from, for the report.</summary>
    public string Origin => _server is null
        ? $"the server named by {OnceOptions.ConnectionStringVariable}"
        : $"a throwaway server started by `{Script} postgres`";

    /// <summary>The server is the benchmark's own (so its settings may change for a while), not one named by the user.</summary>
    public bool Throwaway => _server is not null;

    public string ServerVersion { get; }

    public string SynchronousCommit { get; }

    public static async Task<BenchmarkDatabase> CreateAsync()
    {
        var given = Environment.GetEnvironmentVariable(OnceOptions.ConnectionStringVariable);
        var server = string.IsNullOrWhiteSpace(given) ? await LocalServer.StartAsync() : null;
        var admin = server?.ConnectionString ?? given!;
        try
        {
            var name = "once_streams_" + Guid.NewGuid().ToString("N")[..12];
            await using (var adminSource = NpgsqlDataSource.Create(admin))
            {
                await adminSource.CreateCommand($"CREATE DATABASE {name}").ExecuteNonQueryAsync();
            }

            var connectionString = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            await PostgresSchema.ApplyAsync(dataSource);
            var version = (string)(await dataSource.CreateCommand("SHOW server_version").ExecuteScalarAsync())!;
            var synchronousCommit = (string)(await dataSource.CreateCommand("SHOW synchronous_commit").ExecuteScalarAsync())!;
            return new BenchmarkDatabase(admin, name, server, version, synchronousCommit);
        }
        catch
        {
            if (server is not null)
            {
                await server.StopAsync();
            }

            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            NpgsqlConnection.ClearAllPools();
            await using var admin = NpgsqlDataSource.Create(_adminConnectionString);
            await admin.CreateCommand($"DROP DATABASE IF EXISTS {_name} WITH (FORCE)").ExecuteNonQueryAsync();
        }
        finally
        {
            if (_server is not null)
            {
                await _server.StopAsync();
            }
        }
    }

    /// <summary>The PostgreSQL that <c>deploy/local-cluster.sh postgres</c> starts and <c>stop-postgres</c> stops.</summary>
    private sealed class LocalServer(string script, string directory, int port)
    {
        public string ConnectionString { get; private set; } = string.Empty;

        public static async Task<LocalServer> StartAsync()
        {
            var root = FindRepositoryRoot();
            var server = new LocalServer(Path.Combine(root, Script), Path.Combine(root, ".artifacts", "streams-benchmark"), LocalPorts.Free(1)[0]);
            // A run that was interrupted may have left its server running on the same data folder.
            await server.RunAsync("stop-postgres");
            var connectionString = await server.RunAsync("postgres");
            server.ConnectionString = new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres" }.ConnectionString;
            return server;
        }

        public Task StopAsync() => RunAsync("stop-postgres");

        private async Task<string> RunAsync(string command)
        {
            var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(script);
            start.ArgumentList.Add(command);
            start.Environment["ONCE_CLUSTER_DIR"] = directory;
            start.Environment["ONCE_PG_PORT"] = port.ToString(CultureInfo.InvariantCulture);
            // Room for a connection per in-flight message of the classic consumer beside three silos' pools.
            start.Environment["ONCE_PG_OPTIONS"] = "-c max_connections=600";
            start.Environment.Remove(OnceOptions.ConnectionStringVariable);
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{Script} {command} failed ({process.ExitCode}): {(await error).Trim()}");
            }

            return (await output).Trim();
        }

        private static string FindRepositoryRoot()
        {
            foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            {
                for (var folder = new DirectoryInfo(start); folder is not null; folder = folder.Parent)
                {
                    if (File.Exists(Path.Combine(folder.FullName, Script)))
                    {
                        return folder.FullName;
                    }
                }
            }

            throw new InvalidOperationException(
                $"{Script} not found above {Directory.GetCurrentDirectory()}: run from the repository, or set {OnceOptions.ConnectionStringVariable} to a PostgreSQL server the benchmark may create a database on.");
        }
    }
}
