using System.Text.Json;
using System.Text.RegularExpressions;
using Once.Postgres.Tests.Processes;

namespace Once.Postgres.Tests.Deploy;

/// <summary>
/// The images' Dockerfiles build as written, checked without Docker: the build stage's copies are
/// made into a folder and its <c>RUN dotnet ...</c> commands run there, word for word (its absolute
/// paths under that folder); the image's entrypoint must then be in what the final stage copies, and
/// start. The SDK image is the one global.json pins.
/// </summary>
// In the PostgreSQL collection so the Release builds never run beside a timing-sensitive process test.
[Collection(PostgresCollection.Name)]
public sealed partial class DockerfileTests(DockerBuildTrees trees) : IClassFixture<DockerBuildTrees>
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(8);

    /// <summary>No build server or MSBuild node outlives the build (they would outlive the test too).</summary>
    private static readonly Dictionary<string, string> BuildEnvironment = new()
    {
        ["MSBUILDDISABLENODEREUSE"] = "1",
        ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0",
        ["UseSharedCompilation"] = "false",
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["DOTNET_NOLOGO"] = "1",
    };

    [Theory]
    [InlineData("silo.Dockerfile", "Once.Silo")]
    [InlineData("api.Dockerfile", "Once.Api")]
    public void Dockerfile_Images_SdkIsTheGlobalJsonOneRuntimePinned(string file, string project)
    {
        var dockerfile = Dockerfile.Load(Path.Combine(Repository.Root, "deploy", file));
        using var global = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository.Root, "global.json")));
        var sdk = global.RootElement.GetProperty("sdk").GetProperty("version").GetString();
        var build = Build(dockerfile);

        var sdkImage = ImageTag().Match(build.Image);
        var runtimeImage = ImageTag().Match(dockerfile.Final.Image);

        Assert.Equal(("mcr.microsoft.com/dotnet/sdk", sdk), (sdkImage.Groups["name"].Value, sdkImage.Groups["version"].Value));
        Assert.Equal(("mcr.microsoft.com/dotnet/aspnet", "10.0"), (runtimeImage.Groups["name"].Value, runtimeImage.Groups["version"].Value[..4]));
        Assert.Equal(sdkImage.Groups["os"].Value, runtimeImage.Groups["os"].Value);
        Assert.Contains(build.All("COPY"), c => c.Words[..^1].Contains("global.json"));
        Assert.Equal(["dotnet", project + ".dll"], dockerfile.Final.Entrypoint);
    }

    [Theory]
    [InlineData("silo.Dockerfile")]
    [InlineData("api.Dockerfile")]
    public async Task Dockerfile_BuildStage_PublishesTheEntrypointThatStarts(string file)
    {
        var problem = await BuildProblemAsync(Dockerfile.Load(Path.Combine(Repository.Root, "deploy", file)));

        Assert.True(problem is null, problem);
    }

    /// <summary>The check's negative control: a build stage that does not copy the sources fails it.</summary>
    [Fact]
    public async Task Dockerfile_BuildStageWithoutTheSources_Fails()
    {
        var broken = Path.Combine(Path.GetTempPath(), $"once-{Guid.NewGuid():N}.Dockerfile");
        var text = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "deploy", "silo.Dockerfile"));
        Assert.Contains("COPY src/ src/\n", text, StringComparison.Ordinal);
        await File.WriteAllTextAsync(broken, text.Replace("COPY src/ src/\n", string.Empty, StringComparison.Ordinal));
        try
        {
            var problem = await BuildProblemAsync(Dockerfile.Load(broken));

            Assert.StartsWith("RUN dotnet publish src/Once.Silo/Once.Silo.csproj", problem, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(broken);
        }
    }

    /// <summary>
    /// Runs the build stage's RUN commands in its stand-in file system and starts the entrypoint the
    /// final stage copies from it; null when all that works, else what failed.
    /// </summary>
    private async Task<string?> BuildProblemAsync(Dockerfile dockerfile)
    {
        var build = Build(dockerfile);
        var tree = trees.For(build);
        var directory = "/";
        foreach (var instruction in build.Instructions.Where(i => i.Keyword is "WORKDIR" or "RUN"))
        {
            if (instruction.Keyword == "WORKDIR")
            {
                directory = instruction.Arguments.StartsWith('/') ? instruction.Arguments : $"{directory.TrimEnd('/')}/{instruction.Arguments}";
                continue;
            }

            // Word for word: only plain words, so splitting them is what the shell would do.
            Assert.Matches(@"^dotnet [^'""$&|;<>`\\*?]+$", instruction.Arguments);
            var words = instruction.Words.Select(w => w.StartsWith('/') ? tree.Map(w) : w).ToList();
            var (exitCode, output, error) = await Tool.RunAsync(words[0], words[1..], BuildTimeout, tree.Map(directory), BuildEnvironment);
            if (exitCode != 0)
            {
                return $"RUN {instruction.Arguments} failed ({exitCode}):{Environment.NewLine}{output}{error}";
            }
        }

        var copied = Assert.Single(dockerfile.Final.All("COPY"), c => c.Words[0] == $"--from={build.Name}").Words[1];
        var entrypoint = Path.Combine(tree.Map(copied), dockerfile.Final.Entrypoint[1]);
        if (!File.Exists(entrypoint))
        {
            return $"{dockerfile.Path}: {dockerfile.Final.Entrypoint[1]} is not in the published {copied}";
        }

        var help = await Tool.RunAsync("dotnet", [entrypoint, "--help"], TimeSpan.FromSeconds(30), tree.Map(copied));
        return help.ExitCode == 0 && help.Output.Contains("Usage:", StringComparison.Ordinal)
            ? null
            : $"dotnet {entrypoint} --help exited {help.ExitCode}:{Environment.NewLine}{help.Output}{help.Error}";
    }

    /// <summary>The stage the final one copies its application from.</summary>
    private static Dockerfile.Stage Build(Dockerfile dockerfile) =>
        dockerfile.Named(Assert.Single(dockerfile.Final.All("COPY"), c => c.Words[0].StartsWith("--from=", StringComparison.Ordinal)).Words[0]["--from=".Length..]);

    /// <summary>name:version-os, the version in full (10.0.401, not 10.0).</summary>
    [GeneratedRegex(@"^(?<name>[^:]+):(?<version>\d+\.\d+\.\d+)-(?<os>[a-z][a-z0-9.-]*)$")]
    private static partial Regex ImageTag();
}
