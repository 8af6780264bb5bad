using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Once.Abstractions;

namespace Once.Client;

/// <summary>
/// Once a client process has started, asks the cluster which streams its silos read and stops the
/// process (exit code 2) when they differ from this client's: a front end configured with memory
/// streams beside PostgreSQL silos would accept messages that are never processed. Until the cluster
/// answers it asks again; the publisher itself refuses to publish before that.
/// </summary>
internal sealed partial class StreamSettingsCheck(
    IClusterClient client, StreamSettings mine, IHostApplicationLifetime lifetime, ILogger<StreamSettingsCheck> logger) : BackgroundService
{
    private static readonly TimeSpan RetryPause = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!await WaitForStartAsync(stoppingToken))
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            StreamSettings cluster;
            try
            {
                cluster = await client.GetGrain<IClusterSettingsGrain>(0).GetStreamSettingsAsync();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await Task.Delay(RetryPause, stoppingToken);
                continue;
            }

            if (StreamSettingsMismatchException.Describe(mine, cluster) is { } mismatch)
            {
                LogMismatch(logger, mismatch);
                Environment.ExitCode = OnceExitCodes.ConfigurationError;
                lifetime.StopApplication();
            }

            return;
        }
    }

    private async Task<bool> WaitForStartAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var onStarted = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        using var onStopping = stoppingToken.Register(() => started.TrySetCanceled());
        try
        {
            await started.Task;
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "Once cannot run, the configuration is invalid: {Mismatch}")]
    private static partial void LogMismatch(ILogger logger, string mismatch);
}
