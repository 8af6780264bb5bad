using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Once.Client;
using Once.Hosting;
using Orleans.Configuration;

namespace Once.Cluster.Tests;

/// <summary><c>Once:Calls</c> and <c>Once:Membership</c> reach Orleans' own options, validated, with defaults that bound an outage.</summary>
public sealed class CallAndMembershipSettingTests
{
    [Fact]
    public void Defaults_Client_ReadsTheLiveGatewaysEvery5s()
    {
        using var client = Client([]);

        // Orleans' default is a minute: that long a client sent calls to an evicted, frozen silo's gateway.
        Assert.Equal(TimeSpan.FromSeconds(5), client.Services.GetRequiredService<IOptions<GatewayOptions>>().Value.GatewayListRefreshPeriod);
    }

    [Fact]
    public void Defaults_Silo_CallsTimeOutIn4sAndAFrozenSiloIsSuspectedWithin12s()
    {
        using var host = Silo([]);

        var messaging = host.Services.GetRequiredService<IOptions<SiloMessagingOptions>>().Value;
        var membership = host.Services.GetRequiredService<IOptions<ClusterMembershipOptions>>().Value;

        Assert.Equal(TimeSpan.FromSeconds(4), messaging.ResponseTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), membership.ProbeTimeout);
        Assert.Equal(TimeSpan.FromSeconds(4), membership.MaxProbeTimeout);
        Assert.Equal(3, membership.NumMissedProbesLimit);
        Assert.Equal(2, membership.NumVotesForDeathDeclaration);
        Assert.Equal(TimeSpan.FromSeconds(30), membership.DeathVoteExpirationTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), membership.IAmAliveTablePublishTimeout);
        // Orleans' defaults: 5 s probes adapting up to 20 s, 3 missed, 2-minute votes: a minute or more to evict.
        Assert.True(membership.MaxProbeTimeout * membership.NumMissedProbesLimit <= TimeSpan.FromSeconds(12));
    }

    [Fact]
    public void Settings_SiloAndClient_ReachOrleans()
    {
        string[] settings = ["Once:Calls:Timeout=00:00:07", "Once:Membership:ProbeTimeout=00:00:01", "Once:Membership:MissedProbes=4",
            "Once:Membership:Votes=1", "Once:Membership:DeathVoteExpiration=00:01:00", "Once:Membership:IAmAlivePeriod=00:00:05",
            "Once:Membership:GatewayRefreshPeriod=00:00:03"];
        using var silo = Silo(settings);
        using var client = Client(settings);

        var membership = silo.Services.GetRequiredService<IOptions<ClusterMembershipOptions>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(7), silo.Services.GetRequiredService<IOptions<SiloMessagingOptions>>().Value.ResponseTimeout);
        Assert.Equal(TimeSpan.FromSeconds(7), client.Services.GetRequiredService<IOptions<ClientMessagingOptions>>().Value.ResponseTimeout);
        Assert.Equal(TimeSpan.FromSeconds(7), client.Services.GetRequiredService<IOptions<EntityCallOptions>>().Value.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(3), client.Services.GetRequiredService<IOptions<GatewayOptions>>().Value.GatewayListRefreshPeriod);
        Assert.Equal((TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), 4, 1), (membership.ProbeTimeout, membership.MaxProbeTimeout, membership.NumMissedProbesLimit, membership.NumVotesForDeathDeclaration));
        Assert.Equal((TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(5)), (membership.DeathVoteExpirationTimeout, membership.IAmAliveTablePublishTimeout));
    }

    [Theory]
    [InlineData("Once:Calls:Timeout", "00:00:00.5")]
    [InlineData("Once:Calls:Timeout", "00:10:00")]
    [InlineData("Once:Calls:RetryBudget", "-00:00:01")]
    [InlineData("Once:Membership:ProbeTimeout", "00:00:00.1")]
    [InlineData("Once:Membership:MissedProbes", "0")]
    [InlineData("Once:Membership:Votes", "11")]
    [InlineData("Once:Membership:DeathVoteExpiration", "00:00:05")]
    [InlineData("Once:Membership:IAmAlivePeriod", "00:00:00")]
    [InlineData("Once:Membership:GatewayRefreshPeriod", "00:00:00.5")]
    public void Setting_OutOfRange_RefusedNamingIt(string key, string value)
    {
        var error = Assert.Throws<OnceConfigurationException>(() => Silo([$"{key}={value}"]));

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    private static IHost Silo(string[] settings)
    {
        var builder = Builder(settings);
        builder.AddOnceSilo();
        return builder.Build();
    }

    private static IHost Client(string[] settings)
    {
        var builder = Builder(settings);
        builder.AddOnceClient();
        return builder.Build();
    }

    private static HostApplicationBuilder Builder(string[] settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(settings.Select(s => s.Split('=', 2)).Select(p => new KeyValuePair<string, string?>(p[0], p[1])));
        return builder;
    }
}
