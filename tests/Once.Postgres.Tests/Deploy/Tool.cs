using System.Diagnostics;

namespace Once.Postgres.Tests.Deploy;

/// <summary>Runs a command-line tool the deployment tests need, its standard output and error apart.</summary>
internal static class Tool
{
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(
        string fileName, IEnumerable<string> arguments, TimeSpan timeout, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(Locate(fileName)) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (workingDirectory is not null)
        {
            start.WorkingDirectory = workingDirectory;
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return (-1, await output, await error + $"{Environment.NewLine}(killed: {fileName} still running after {timeout})");
        }

        return (process.ExitCode, await output, await error);
    }

    /// <summary>
    /// The tool's path on PATH; fails the test (never skips it) when it is missing, saying how to get it.
    /// </summary>
    private static string Locate(string fileName)
    {
        if (Path.IsPathRooted(fileName))
        {
            return fileName;
        }

        var found = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, fileName))
            .FirstOrDefault(File.Exists);
        Assert.True(found is not null, fileName switch
        {
            "kubectl" => "kubectl is not on PATH: install it (apt-get install kubernetes-client); .ci/run does.",
            "node" => "node is not on PATH: install Node.js (apt-get install nodejs npm); .ci/run does.",
            _ => $"{fileName} is not on PATH.",
        });
        return found!;
    }
}
