using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Once.Hosting;
using Orleans.Configuration;

namespace Once.Cluster.Tests;

/// <summary>
/// A silo in a cluster listens on its advertised address only, unless <c>Once:ListenOnAnyAddress</c>
/// opens every interface (as a container that advertises its service name needs).
/// </summary>
public sealed class ListenAddressSettingTests
{
    [Theory]
    [InlineData(null, "10.1.2.3")]
    [InlineData("false", "10.1.2.3")]
    [InlineData("true", "0.0.0.0")]
    public void Silo_PostgresClustering_ListensWhereConfigured(string? setting, string listening)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection([
            new("Once:Clustering", "Postgres"),
            new("Once:AdvertisedHost", "10.1.2.3"),
            new("ConnectionStrings:Once", "Host=127.0.0.1;Database=once;Username=once"),
            .. setting is null ? Array.Empty<KeyValuePair<string, string?>>() : [new("Once:ListenOnAnyAddress", setting)],
        ]);

        builder.AddOnceSilo();
        using var host = builder.Build();
        var endpoints = host.Services.GetRequiredService<IOptions<EndpointOptions>>().Value;

        Assert.Equal(IPAddress.Parse("10.1.2.3"), endpoints.AdvertisedIPAddress);
        Assert.Equal(IPAddress.Parse(listening), (endpoints.SiloListeningEndpoint ?? new IPEndPoint(endpoints.AdvertisedIPAddress, endpoints.SiloPort)).Address);
        Assert.Equal(IPAddress.Parse(listening), (endpoints.GatewayListeningEndpoint ?? new IPEndPoint(endpoints.AdvertisedIPAddress, endpoints.GatewayPort)).Address);
    }
}
