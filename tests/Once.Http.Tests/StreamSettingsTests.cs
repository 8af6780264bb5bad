using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Once.Abstractions;
using Once.Client;
using Once.Core;
using Once.Hosting;
using Once.Samples.Accounts;

namespace Once.Http.Tests;

/// <summary>
/// A publisher whose stream settings differ from the silos' would enqueue messages no silo reads:
/// it must refuse to publish (never Accepted), and a client process must stop at start saying what
/// to set. The fixture's silos read memory streams over 8 partitions.
/// </summary>
[Collection(OnceHttpCollection.Name)]
public sealed class StreamSettingsTests(OnceHttpFixture fixture)
{
    private static readonly EntityCatalog Catalog = new([new EntityRegistration(new AccountsHandler())]);

    [Theory]
    [InlineData("Postgres", 8)]
    [InlineData("Memory", 4)]
    public async Task Publish_SettingsDifferFromTheSilos_RefusedNothingEnqueued(string provider, int partitions)
    {
        var entity = new EntityKey("accounts", OnceApi.NewId("mis"));
        var publisher = new EntityStreamPublisher(fixture.ClusterClient, settings: new StreamSettings(provider, partitions));

        var error = await Assert.ThrowsAsync<StreamSettingsMismatchException>(() => publisher.PublishAsync(Deposit(entity, "m-1")));
        var again = await Assert.ThrowsAsync<StreamSettingsMismatchException>(() => publisher.PublishAsync(Deposit(entity, "m-2")));

        Assert.Contains("Once:Streams:Provider=Memory", error.Message, StringComparison.Ordinal);
        Assert.Contains("Once:Streams:Partitions=8", error.Message, StringComparison.Ordinal);
        Assert.Equal(error.Message, again.Message);
        var matching = new EntityStreamPublisher(fixture.ClusterClient, settings: new StreamSettings("Memory", 8));
        Assert.True((await matching.PublishAsync(Deposit(entity, "marker"))).Accepted);
        await Eventually.MatchAsync(() => fixture.ClusterClient.GetOutcomeAsync(entity, new MessageId("marker")), o => o is not null, "the marker is processed");
        Assert.Null(await fixture.ClusterClient.GetOutcomeAsync(entity, new MessageId("m-1")));
        Assert.Null(await fixture.ClusterClient.GetOutcomeAsync(entity, new MessageId("m-2")));
    }

    [Fact]
    public async Task ClientStart_SettingsDifferFromTheSilos_StopsWithExitCode2()
    {
        var lifetime = new Lifetime();
        var exitCode = Environment.ExitCode;
        try
        {
            using var check = new StreamSettingsCheck(fixture.ClusterClient, new StreamSettings("Postgres", 8), lifetime, NullLogger<StreamSettingsCheck>.Instance);
            await check.StartAsync(CancellationToken.None);
            lifetime.Start();

            await Eventually.MatchAsync(() => Task.FromResult(lifetime.Stopped), stopped => stopped, "the process is stopped");
            Assert.Equal(OnceHost.ConfigurationError, Environment.ExitCode);
        }
        finally
        {
            Environment.ExitCode = exitCode;
        }
    }

    [Fact]
    public async Task ClientStart_SameSettingsAsTheSilos_KeepsRunning()
    {
        var lifetime = new Lifetime();
        using var check = new StreamSettingsCheck(fixture.ClusterClient, new StreamSettings("Memory", 8), lifetime, NullLogger<StreamSettingsCheck>.Instance);
        await check.StartAsync(CancellationToken.None);
        lifetime.Start();

        await check.ExecuteTask!;

        Assert.False(lifetime.Stopped);
    }

    private static MessageEnvelope Deposit(EntityKey entity, string id) => new(new MessageId(id), entity, "deposit", """{"amount":1}""");

    private sealed class Lifetime : IHostApplicationLifetime
    {
        private readonly CancellationTokenSource _started = new();

        public CancellationToken ApplicationStarted => _started.Token;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public bool Stopped { get; private set; }

        public void Start() => _started.Cancel();

        public void StopApplication() => Stopped = true;
    }
}
