using Microsoft.Extensions.Configuration;
using Once.Client;
using Once.Hosting;

namespace Once.Cluster.Tests;

public sealed class OnceOptionsTests
{
    private const string Postgres = "Host=127.0.0.1;Port=5432;Database=once;Username=once";

    [Fact]
    public void Defaults_NoSettings_MemoryAndLocalhost()
    {
        var options = Load();

        Assert.Equal((StorageKind.Memory, ClusteringKind.Localhost, false), (options.Storage, options.Clustering, options.UsesPostgres));
    }

    [Fact]
    public void StreamProvider_FollowsStorageUnlessSet()
    {
        var follows = Load(("Once:Storage", "Postgres"), ("ConnectionStrings:Once", Postgres));
        var memory = Load(("Once:Storage", "Postgres"), ("Once:Streams:Provider", "Memory"), ("ConnectionStrings:Once", Postgres));

        Assert.Equal((StorageKind.Postgres, StorageKind.Memory), (follows.StreamProvider, memory.StreamProvider));
    }

    [Fact]
    public void StreamPollInterval_AboveTheIdleInterval_IsCutToIt()
    {
        var cut = Load(("Once:Streams:IdlePollInterval", "00:00:00.100"));
        var kept = Load(("Once:Streams:PollInterval", "00:00:00.050"));

        Assert.Equal((TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(50)), (cut.Streams.EffectivePollInterval, kept.Streams.EffectivePollInterval));
    }

    [Fact]
    public void ConnectionString_FromEnvironmentVariableName_WhenNoConnectionStringsEntry()
    {
        var options = Load(("Once:Storage", "Postgres"), (OnceOptions.ConnectionStringVariable, Postgres));

        Assert.Equal(Postgres, options.ConnectionString);
    }

    [Fact]
    public void ConnectionString_ConnectionStringsEntryWins()
    {
        var options = Load(("Once:Storage", "Postgres"), ("ConnectionStrings:Once", Postgres), (OnceOptions.ConnectionStringVariable, "Host=elsewhere"));

        Assert.Equal(Postgres, options.ConnectionString);
    }

    [Theory]
    [InlineData("Once:Storage", "Postgress", "Once:Storage")]
    [InlineData("Once:Clustering", "Zookeeper", "Once:Clustering")]
    [InlineData("Once:Storag", "Memory", "Storag")]
    [InlineData("Once:SiloPort", "70000", "Once:SiloPort")]
    [InlineData("Once:GatewayPort", "11111", "Once:GatewayPort")]
    [InlineData("Once:AdvertisedHost", "not a host!", "Once:AdvertisedHost")]
    [InlineData("Once:Guarantees:accounts", "AtMostTwice", "Once:Guarantees:accounts")]
    [InlineData("Once:Ledger:MaxEntries", "0", "Once:Ledger:MaxEntries")]
    [InlineData("Once:DatabaseWaitTimeout", "-00:00:01", "Once:DatabaseWaitTimeout")]
    [InlineData("Once:ApplySchema", "true", "Once:ApplySchema")]
    [InlineData("Once:Streams:Partitions", "1", "Once:Streams:Partitions")]
    [InlineData("Once:Streams:VisibilityTimeout", "00:00:30", "Once:Streams:VisibilityTimeout")]
    [InlineData("Once:Streams:ExpiryTimeout", "00:10:00", "Once:Streams:ExpiryTimeout")]
    [InlineData("Once:Streams:MaxAttempts", "0", "Once:Streams:MaxAttempts")]
    [InlineData("Once:Streams:QueueMaxAttempts", "5", "Once:Streams:QueueMaxAttempts")]
    [InlineData("Once:Streams:PollInterval", "00:00:00.001", "Once:Streams:PollInterval")]
    [InlineData("Once:Streams:PollInterval", "00:02:00", "Once:Streams:PollInterval")]
    [InlineData("Once:Webhooks:Timeout", "00:00:00", "Once:Webhooks:Timeout")]
    [InlineData("Once:Streams:Provider", "Kafka", "Once:Streams:Provider")]
    [InlineData("Once:Kubernetes", "yes", "Once:Kubernetes")]
    [InlineData("Once:Kubernetes", "true", "Once:Kubernetes")]
    public void BadSetting_Load_ThrowsNamingTheSetting(string key, string value, string named)
    {
        var error = Assert.Throws<OnceConfigurationException>(() => Load((key, value)));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Once:Storage")]
    [InlineData("Once:Clustering")]
    public void Postgres_WithoutConnectionString_ThrowsNamingBothSources(string key)
    {
        var error = Assert.Throws<OnceConfigurationException>(() => Load((key, "Postgres")));

        Assert.Contains("ConnectionStrings:Once", error.Message, StringComparison.Ordinal);
        Assert.Contains(OnceOptions.ConnectionStringVariable, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Postgres_MalformedConnectionString_IsRefused()
    {
        var error = Assert.Throws<OnceConfigurationException>(() => Load(("Once:Storage", "Postgres"), ("ConnectionStrings:Once", "Hots=x;;=")));

        Assert.Contains("connection string", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SiloSetting_GivenToAClient_Tolerated_MisspeltOneRefused()
    {
        var client = Load(silo: false, ("Once:Ledger:Retention", "1.00:00:00"), ("Once:ApplySchema", "false"), ("Once:Kubernetes", "true"));
        var misspelt = Assert.Throws<OnceConfigurationException>(() => Load(silo: false, ("Once:Ledgr:Retention", "1.00:00:00")));

        Assert.Equal(StorageKind.Memory, client.Storage);
        Assert.Contains("'Ledgr'", misspelt.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SiloSettings_NamesTheSiloOptions_Exactly()
    {
        var properties = typeof(OnceSiloOptions).GetProperties().Where(p => p.CanWrite).Select(p => p.Name).Order(StringComparer.Ordinal);

        Assert.Equal(properties, OnceOptions.SiloSettings.Order(StringComparer.Ordinal));
    }

    /// <summary>Loads the settings as a silo reads them: the shared ones, then the silo's own.</summary>
    private static OnceOptions Load(params (string Key, string Value)[] settings) => Load(silo: true, settings);

    private static OnceOptions Load(bool silo, params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        var shared = OnceOptions.Load(configuration);
        if (silo)
        {
            _ = OnceSiloOptions.Load(configuration, shared);
        }

        return shared;
    }
}
