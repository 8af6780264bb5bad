using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Once.Hosting;

/// <summary>The development silo: localhost clustering and in-memory storage, in the host's own process.</summary>
public static partial class DevelopmentSiloExtensions
{
    public static IHostApplicationBuilder AddOnceDevelopmentSilo(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseOrleans(silo => silo.UseLocalhostClustering().AddOnceInMemory());
        builder.Services.AddHostedService<NotDurableWarning>();
        return builder;
    }

    private sealed partial class NotDurableWarning(ILogger<NotDurableWarning> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            LogNotDurable(logger);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        [LoggerMessage(Level = LogLevel.Warning, Message = "Development mode: one local silo with IN-MEMORY storage. State and the message ledger are NOT durable and are lost when this process stops.")]
        private static partial void LogNotDurable(ILogger logger);
    }
}
