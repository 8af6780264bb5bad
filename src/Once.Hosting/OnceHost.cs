using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Once.Hosting;

/// <summary>Runs an executable and turns configuration and database problems into one clear message and an exit code.</summary>
public static class OnceHost
{
    public const int ConfigurationError = 2;
    public const int DatabaseUnavailable = 3;

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
        return WebApplication.CreateBuilder(host[ReloadConfigOnChange] is null ? [.. args, $"--{ReloadConfigOnChange}=false"] : args);
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
