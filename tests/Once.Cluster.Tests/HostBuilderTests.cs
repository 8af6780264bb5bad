using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration.Json;
using Once.Hosting;
using Once.Http;

namespace Once.Cluster.Tests;

/// <summary>
/// Once's hosts read their configuration files once: a watched content root wakes the process on
/// every write beneath it (a database or log folder under the working directory).
/// </summary>
public sealed class HostBuilderTests
{
    [Fact]
    public void CreateBuilder_ConfigurationFiles_NotWatched()
    {
        var files = JsonSources(OnceHost.CreateBuilder([]));

        Assert.NotEmpty(files);
        Assert.All(files, f => Assert.False(f.ReloadOnChange, f.Path));
    }

    [Fact]
    public void PlainBuilder_ConfigurationFiles_Watched()
    {
        // What CreateBuilder changes: .NET's own default watches them.
        Assert.All(JsonSources(WebApplication.CreateBuilder([])), f => Assert.True(f.ReloadOnChange, f.Path));
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    public void CreateBuilder_SettingOnTheCommandLine_Wins(string setting, bool watched)
    {
        var files = JsonSources(OnceHost.CreateBuilder([$"--{OnceHost.ReloadConfigOnChange}={setting}"]));

        Assert.NotEmpty(files);
        Assert.All(files, f => Assert.Equal(watched, f.ReloadOnChange));
    }

    private static List<JsonConfigurationSource> JsonSources(WebApplicationBuilder builder) =>
        [.. builder.Configuration.Sources.OfType<JsonConfigurationSource>()];
}
