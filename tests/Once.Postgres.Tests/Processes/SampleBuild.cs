using System.Globalization;

namespace Once.Postgres.Tests.Processes;

/// <summary>The packages packed once and the sample copied and built once, for all of <see cref="SampleTests"/>.</summary>
public sealed class SampleBuild : IAsyncLifetime
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(6);

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "once-sample-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>A version no earlier run used, so no cached package of another build can stand in.</summary>
    public string Version { get; } = "0.1.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);

    public string Sample => Path.Combine(Root, "samples", "Inventory");

    /// <summary>A NuGet cache of the sample's own: the Once packages land there, everything else is read from the machine's cache.</summary>
    public Dictionary<string, string> Environment => new()
    {
        ["NUGET_PACKAGES"] = Path.Combine(Root, "nuget"),
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["DOTNET_NOLOGO"] = "1",
    };

    public async Task InitializeAsync()
    {
        // The sample's nuget.config names ../../artifacts/packages: the same layout as in the repository.
        Copy(Path.Combine(Repository.Root, "samples", "Inventory"), Sample);
        var pack = await DotnetAsync(Repository.Root,
            "pack", "Cluster.sln", "-c", Repository.Configuration, "--no-build", "-o", Path.Combine(Root, "artifacts", "packages"), $"-p:PackageVersion={Version}");
        Assert.True(pack.ExitCode == 0, "dotnet pack failed:\n" + pack.Output);
        var build = await DotnetAsync(Sample, "build", "Inventory.sln", $"-p:OnceVersion={Version}", $"-p:RestoreFallbackFolders={GlobalPackages()}");
        Assert.True(build.ExitCode == 0, "the sample did not build from the packages:\n" + build.Output);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Root, recursive: true);
        return Task.CompletedTask;
    }

    public async Task<(int ExitCode, string Output)> DotnetAsync(string directory, params string[] arguments) =>
        await ChildProcess.RunAsync("dotnet", arguments, BuildTimeout, directory, Environment);

    public static string GlobalPackages() =>
        System.Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    private static void Copy(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(from, file);
            if (relative.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            {
                continue;
            }

            var target = Path.Combine(to, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
