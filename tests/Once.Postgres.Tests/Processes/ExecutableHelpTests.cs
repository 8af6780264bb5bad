using System.Diagnostics;

namespace Once.Postgres.Tests.Processes;

/// <summary><c>--help</c> on every executable prints its commands and the main settings and exits 0, instead of starting a server.</summary>
// In the PostgreSQL collection so these processes never start beside a test cluster.
[Collection(PostgresCollection.Name)]
public sealed class ExecutableHelpTests
{
    [Theory]
    [InlineData("Once.Silo", "--help", "migrate")]
    [InlineData("Once.Silo", "-h", "healthcheck")]
    [InlineData("Once.Api", "--help", "healthcheck")]
    [InlineData("Once.Server", "--help", "NOT durable")]
    [InlineData("Once.Server", "help", "Usage")]
    public async Task Help_PrintsCommandsAndSettings_Exits0(string project, string argument, string mentions)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Repository.Executable(project));
        start.ArgumentList.Add(argument);
        start.Environment.Remove("ONCE_POSTGRES");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{project} {argument} was still running after 30 s (it started a server?)");
        }

        var text = await output;
        Assert.Equal(0, process.ExitCode);
        Assert.Contains(mentions, text, StringComparison.Ordinal);
        Assert.Contains("Once:Storage", text, StringComparison.Ordinal);
        Assert.Contains("Usage:", text, StringComparison.Ordinal);
    }
}
