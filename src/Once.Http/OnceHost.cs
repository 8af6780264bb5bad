using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Once.Client;

namespace Once.Http;

/// <summary>Runs an executable and turns configuration and database problems into one clear message and an exit code.</summary>
public static class OnceHost
{
    public const int ConfigurationError = OnceExitCodes.ConfigurationError;
    public const int DatabaseUnavailable = OnceExitCodes.DatabaseUnavailable;

    /// <summary>The host setting that makes .NET watch the configuration files for changes.</summary>
    public const string ReloadConfigOnChange = "hostBuilder:reloadConfigOnChange";

    /// <summary>
    /// <see cref="WebApplication.CreateBuilder(string[])"/> for Once's hosts, except that the
    /// configuration files are read once, at start. By default .NET watches the content root and
    /// every folder beneath it for changes to appsettings files, so each write beneath it (a database
    /// or log folder under the working directory: every WAL write) wakes the process. Setting
    /// <c>hostBuilder:reloadConfigOnChange=true</c> (<c>DOTNET_hostBuilder__reloadConfigOnChange</c>, or
    /// on the command line) turns the watching back on.
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var host = new ConfigurationBuilder()
            .AddEnvironmentVariables("DOTNET_")
            .AddEnvironmentVariables("ASPNETCORE_")
            .AddCommandLine(args)
            .Build();
        var builder = WebApplication.CreateBuilder(host[ReloadConfigOnChange] is null ? [.. args, $"--{ReloadConfigOnChange}=false"] : args);
        // Below every other source, so appsettings, environment and command line still decide.
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = QuietLogLevels });
        return builder;
    }

    /// <summary>
    /// Builds the application and checks what would otherwise fail inside the host's start (options
    /// validated at start, such as <c>Once:Guarantees</c> against the registered entity types), so a bad
    /// setting stops the process with <see cref="RunAsync"/>'s one clear message and not with the host's
    /// stack trace too.
    /// </summary>
    public static WebApplication BuildOnce(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var app = builder.Build();
        app.Services.GetService<IStartupValidator>()?.Validate();
        return app;
    }

    /// <summary>
    /// Log levels that keep start-up quiet, as defaults a host's own configuration overrides:
    /// Orleans' watchdog warns once at start of a stall of the machine's whole uptime (its first check
    /// has no earlier one to compare with), and the health check service logs an error for every
    /// readiness probe answered "not ready" while the process starts (its own log says why it waits).
    /// </summary>
    private static readonly Dictionary<string, string?> QuietLogLevels = new()
    {
        ["Logging:LogLevel:Orleans.Runtime.Watchdog"] = "Error",
        ["Logging:LogLevel:Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService"] = "Critical",
    };

    /// <summary>The settings every executable reads, for <c>--help</c>.</summary>
    private const string Settings = """
        Settings (appsettings.json, environment variables such as Once__Storage=Postgres, or --Once:Storage=Postgres):
          Once:Storage               Memory (default), Postgres or AdoNetGrainStorage: where entity state lives
          Once:Clustering            Localhost (default) or Postgres: how silos and clients find each other
          ConnectionStrings:Once     the PostgreSQL connection string (or the environment variable ONCE_POSTGRES)
          Once:ServiceId, ClusterId  once, once: processes with the same ids form one cluster
          Once:SiloPort, GatewayPort 11111, 30000: this silo's ports; Once:AdvertisedHost (127.0.0.1) is where others reach it
          Once:ApplySchema           false: apply the schema in deploy/sql when a silo starts
          Once:Kubernetes            false: a silo in a Kubernetes pod (Orleans' Kubernetes hosting; POD_NAME, POD_NAMESPACE, POD_IP)
          Once:Calls:Timeout         00:00:04: how long a call to an entity waits; Once:Calls:RetryBudget (00:00:06)
          Once:Membership:*          how quickly a silo that stopped answering is evicted (ProbeTimeout 00:00:02, ...)
          Once:Ledger:Retention      7.00:00:00: how long message ids are remembered
          --urls                     where this process serves HTTP (health, metrics, the API)
        Every setting, with its default, is in the README (Configuration). A wrong or unknown setting stops the process with a message naming it.
        """;

    /// <summary>Whether the arguments ask for help (<c>--help</c>, <c>-h</c>, <c>-?</c> or <c>help</c>).</summary>
    public static bool IsHelp(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        return args.Any(a => a is "--help" or "-h" or "-?") || args.FirstOrDefault() == "help";
    }

    /// <summary>Prints what the executable does, its commands and the main settings; the exit code is 0.</summary>
    public static int PrintHelp(string usage)
    {
        Console.Out.WriteLine(usage.TrimEnd());
        Console.Out.WriteLine();
        Console.Out.WriteLine(Settings.TrimEnd());
        return 0;
    }

    public static async Task<int> RunAsync(Func<Task> run)
    {
        ArgumentNullException.ThrowIfNull(run);
        try
        {
            await run();
            return 0;
        }
        catch (Exception e) when (Find<OnceConfigurationException>(e) is { } config)
        {
            await Console.Error.WriteLineAsync("Once cannot start, the configuration is invalid:");
            foreach (var problem in config.Problems)
            {
                await Console.Error.WriteLineAsync("  - " + problem);
            }

            return ConfigurationError;
        }
        catch (Exception e) when (Find<OptionsValidationException>(e) is { } invalid)
        {
            await Console.Error.WriteLineAsync("Once cannot start, the configuration is invalid:");
            foreach (var failure in invalid.Failures)
            {
                await Console.Error.WriteLineAsync("  - " + failure);
            }

            return ConfigurationError;
        }
        catch (Exception e) when (Find<DatabaseUnavailableException>(e) is { } database)
        {
            await Console.Error.WriteLineAsync("Once cannot start: " + database.Message);
            return DatabaseUnavailable;
        }
    }

    private static T? Find<T>(Exception? e)
        where T : Exception
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }

            if (e is AggregateException aggregate && aggregate.InnerExceptions.Select(Find<T>).FirstOrDefault(x => x is not null) is { } inner)
            {
                return inner;
            }
        }

        return null;
    }
}
