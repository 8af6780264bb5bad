namespace Once.Postgres.Tests.Processes;

/// <summary>
/// Once.Api does not run open by accident: without <c>Once:Auth:Mode</c> it stops at start with one
/// line naming the setting (exit code 2), and so does a mode whose keys are missing.
/// </summary>
// In the PostgreSQL collection so these processes never start beside a test cluster.
[Collection(PostgresCollection.Name)]
public sealed class ApiAuthStartupTests
{
    [Theory]
    [InlineData("", "Once:Auth:Mode is not set")]
    [InlineData("--Once:Auth:Mode=ApiKey", "Once:Auth:ApiKeys:<name>:Key")]
    [InlineData("--Once:Auth:Mode=Jwt", "Once:Auth:Jwt:Audience is required")]
    public async Task OnceApi_WithoutAuthSettings_StopsNamingThem(string setting, string named)
    {
        string[] arguments = [Repository.Executable("Once.Api"), "--urls", $"http://127.0.0.1:{LocalCluster.FreePort()}", .. setting.Length > 0 ? [setting] : Array.Empty<string>()];

        var (exitCode, output) = await ChildProcess.RunAsync("dotnet", arguments, TimeSpan.FromSeconds(60));

        Assert.Equal(2, exitCode);
        Assert.Contains(named, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnceApi_ModeNoneSetExplicitly_StartsAndSaysItIsOpen()
    {
        var port = LocalCluster.FreePort();
        await using var api = ChildProcess.Start("dotnet", [Repository.Executable("Once.Api"), "--urls", $"http://127.0.0.1:{port}", "--Once:Auth:Mode=None"]);

        var said = await Eventually.WithinAsync(() => api.Output.Contains("Once:Auth:Mode is None", StringComparison.Ordinal), TimeSpan.FromSeconds(60));

        Assert.True(said, "no warning that the API is open:\n" + api.Output);
        Assert.False(api.HasExited, "Once.Api stopped:\n" + api.Output);
    }
}
