using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using Once.Hosting.Postgres;

namespace Once.Postgres.Tests;

/// <summary>
/// The PostgreSQL server of this test assembly: the one named by <c>ONCE_POSTGRES</c> when set,
/// otherwise a throwaway PostgreSQL started from the local server binaries (as the <c>postgres</c>
/// OS user when the tests run as root) on a free port, removed at the end. Every test gets a fresh
/// database with the schema applied.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    /// <summary>Every test session runs in a zone far from UTC, so a timestamp column of the wrong type shows up.</summary>
    public const string SessionTimeZone = "America/New_York";

    private string? _directory;
    private string? _binaries;

    /// <summary>A connection string to the server's maintenance database.</summary>
    public string AdminConnectionString { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        var given = Environment.GetEnvironmentVariable("ONCE_POSTGRES");
        if (!string.IsNullOrWhiteSpace(given))
        {
            AdminConnectionString = given;
            return;
        }

        _binaries = FindBinaries();
        _directory = Directory.CreateTempSubdirectory("once-pg-").FullName;
        var data = Path.Combine(_directory, "data");
        var sockets = Path.Combine(_directory, "sock");
        var port = FreePort();
        if (IsRoot)
        {
            await RunAsync("chown", "postgres:postgres", _directory);
            await RunAsync("install", "-d", "-o", "postgres", "-g", "postgres", "-m", "700", data);
            await RunAsync("install", "-d", "-o", "postgres", "-g", "postgres", "-m", "755", sockets);
        }
        else
        {
            Directory.CreateDirectory(data);
            Directory.CreateDirectory(sockets);
        }

        await RunAsPostgresAsync($"'{_binaries}/initdb' -D '{data}' -U postgres --auth=trust --no-sync > '{_directory}/initdb.log' 2>&1");
        await RunAsPostgresAsync(
            $"'{_binaries}/pg_ctl' -D '{data}' -l '{_directory}/server.log' -w " +
            $"-o \"-p {port} -k '{sockets}' -c listen_addresses=127.0.0.1 -c max_connections=300\" start > /dev/null");
        AdminConnectionString = $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres";
    }

    public async Task DisposeAsync()
    {
        if (_directory is null)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        await RunAsPostgresAsync($"'{_binaries}/pg_ctl' -D '{_directory}/data' -m fast -w stop > /dev/null");
        Directory.Delete(_directory, recursive: true);
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<Type, Task<string>> _classDatabases = new();

    /// <summary>One database per test class, created on first use.</summary>
    public Task<string> DatabaseForAsync(Type testClass) => _classDatabases.GetOrAdd(testClass, _ => CreateDatabaseAsync());

    /// <summary>Creates an empty database with the Once schema applied; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "once_" + Guid.NewGuid().ToString("N");
        await using (var admin = NpgsqlDataSource.Create(AdminConnectionString))
        {
            await admin.CreateCommand($"CREATE DATABASE {name}").ExecuteNonQueryAsync();
        }

        var connectionString = new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name, Timezone = SessionTimeZone }.ConnectionString;
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await PostgresSchema.ApplyAsync(dataSource);
        return connectionString;
    }

    private static bool IsRoot => Environment.UserName == "root";

    private static string FindBinaries()
    {
        var fromPath = Environment.GetEnvironmentVariable("PATH")!.Split(':').Select(p => Path.Combine(p, "pg_config")).FirstOrDefault(File.Exists);
        if (fromPath is not null)
        {
            var bin = Run(fromPath, "--bindir").Trim();
            if (File.Exists(Path.Combine(bin, "initdb")))
            {
                return bin;
            }
        }

        var installed = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => d, StringComparer.Ordinal).FirstOrDefault()
            : null;
        return installed ?? throw new InvalidOperationException(
            "The PostgreSQL tests need the PostgreSQL server binaries (initdb, pg_ctl): install them with `apt-get install -y postgresql`, " +
            "or set ONCE_POSTGRES to a connection string of a server the tests may create databases on.");
    }

    private static Task RunAsPostgresAsync(string command) =>
        IsRoot ? RunAsync("su", "postgres", "-s", "/bin/sh", "-c", command) : RunAsync("/bin/sh", "-c", command);

    private static async Task RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {error}");
        }
    }

    private static string Run(string program, string argument)
    {
        using var process = Process.Start(new ProcessStartInfo(program, argument) { RedirectStandardOutput = true })!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output;
    }

    private static int FreePort() => Processes.LocalCluster.FreePort();
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}
