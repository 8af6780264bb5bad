using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Once.Client;
using Once.Hosting;

namespace Once.Cluster.Tests;

/// <summary><c>Once:Placement</c> becomes the silo's default placement strategy, the entity grain's.</summary>
public sealed class PlacementSettingTests
{
    [Theory]
    [InlineData(null, typeof(PreferLocalPlacement))]
    [InlineData("PreferLocal", typeof(PreferLocalPlacement))]
    [InlineData("ResourceOptimized", typeof(ResourceOptimizedPlacement))]
    [InlineData("Random", typeof(RandomPlacement))]
    public void Placement_AddOnceSilo_IsTheDefaultStrategy(string? setting, Type expected)
    {
        var builder = Host.CreateApplicationBuilder();
        if (setting is not null)
        {
            builder.Configuration.AddInMemoryCollection([new("Once:Placement", setting)]);
        }

        builder.AddOnceSilo();
        using var host = builder.Build();

        Assert.IsType(expected, host.Services.GetRequiredService<PlacementStrategy>());
    }

    [Fact]
    public void Placement_Unknown_RefusedNamingTheSetting()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection([new("Once:Placement", "Nearest")]);

        var error = Assert.Throws<OnceConfigurationException>(() => builder.AddOnceSilo());

        Assert.Contains("Once:Placement", error.Message, StringComparison.Ordinal);
    }
}
