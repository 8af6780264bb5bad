using System.Text.RegularExpressions;

namespace Once.Postgres.Tests.Processes;

/// <summary>
/// The README's "Run your own entity types" blocks compile as shown, against the packed packages:
/// the silo host, the handler, the front end and the test. Each becomes a project of its own with
/// the package its text names; the test block is the body of a method.
/// </summary>
public sealed partial class SampleTests
{
    [Fact]
    public async Task RunYourOwnEntityTypes_EveryBlock_CompilesAgainstThePackages()
    {
        var blocks = Blocks();
        Assert.Equal(4, blocks.Count);
        var root = Path.Combine(sample.Root, "readme");
        Write(root, "Domain", blocks[1], ["Once.Core"], sdk: "Microsoft.NET.Sdk");
        Write(root, "Silo", blocks[0], ["Once.Hosting"], sdk: "Microsoft.NET.Sdk", exe: true, domain: true);
        Write(root, "FrontEnd", blocks[2], ["Once.Client", "Once.Http"], sdk: "Microsoft.NET.Sdk.Web");
        Write(root, "Tests", AsMethod(blocks[3]), ["Once.Testing", "xunit"], sdk: "Microsoft.NET.Sdk", domain: true);
        File.WriteAllText(Path.Combine(root, "nuget.config"), $"""
            <configuration>
              <packageSources>
                <clear />
                <add key="once" value="{Path.Combine(sample.Root, "artifacts", "packages")}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
            </configuration>
            """);

        foreach (var project in new[] { "Domain", "Silo", "FrontEnd", "Tests" })
        {
            var build = await sample.DotnetAsync(root, "build", Path.Combine(project, project + ".csproj"), $"-p:RestoreFallbackFolders={SampleBuild.GlobalPackages()}");
            Assert.True(build.ExitCode == 0, $"The README's {project} block does not compile:\n{build.Output}");
        }
    }

    /// <summary>The C# blocks of the section, in order: silo host, handler, front end, test.</summary>
    private static List<string> Blocks()
    {
        var readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));
        var start = readme.IndexOf("## Run your own entity types", StringComparison.Ordinal);
        var end = readme.IndexOf("## Connect a front-end service", StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "the README has no section 'Run your own entity types' before 'Connect a front-end service'");
        return [.. CSharpBlock().Matches(readme[start..end]).Select(m => m.Groups[1].Value)];
    }

    /// <summary>A block of statements as the body of a method, its usings above it.</summary>
    private static string AsMethod(string block)
    {
        var lines = block.Split('\n');
        var usings = lines.Where(l => l.StartsWith("using ", StringComparison.Ordinal) && l.TrimEnd().EndsWith(';') && !l.Contains('(', StringComparison.Ordinal));
        var body = lines.Where(l => !usings.Contains(l));
        return string.Join('\n', ["using Xunit;", .. usings, "public static class Snippet", "{", "    public static async Task RunAsync()", "    {", .. body, "    }", "}"]);
    }

    private void Write(string root, string name, string code, string[] packages, string sdk, bool exe = false, bool domain = false)
    {
        var dir = Path.Combine(root, name);
        Directory.CreateDirectory(dir);
        var references = string.Concat(packages.Select(p => $"""<PackageReference Include="{p}" Version="{(p.StartsWith("Once.", StringComparison.Ordinal) ? sample.Version : "2.9.3")}" />"""));
        var domainReference = domain ? """<ProjectReference Include="../Domain/Domain.csproj" />""" : string.Empty;
        File.WriteAllText(Path.Combine(dir, name + ".csproj"), $"""
            <Project Sdk="{sdk}">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                {(exe ? "<OutputType>Exe</OutputType>" : string.Empty)}
              </PropertyGroup>
              <ItemGroup>{references}{domainReference}</ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(dir, "Code.cs"), code);
    }

    [GeneratedRegex(@"```csharp\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();
}
