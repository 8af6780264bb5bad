using System.Text.Json;
using System.Text.RegularExpressions;

namespace Once.Postgres.Tests.Deploy;

/// <summary>
/// The instructions of a Dockerfile, stage by stage, as far as the deployment tests read them:
/// comments dropped, continued lines joined.
/// </summary>
internal sealed partial class Dockerfile
{
    private Dockerfile(string path, IReadOnlyList<Stage> stages) => (Path, Stages) = (path, stages);

    public string Path { get; }

    public IReadOnlyList<Stage> Stages { get; }

    /// <summary>The stage the image runs: the last.</summary>
    public Stage Final => Stages[^1];

    public static Dockerfile Load(string path)
    {
        var text = ContinuedLine().Replace(File.ReadAllText(path), " ");
        var stages = new List<Stage>();
        foreach (var line in text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')))
        {
            var (keyword, arguments) = (line.Split(' ', 2)[0].ToUpperInvariant(), line.Split(' ', 2).ElementAtOrDefault(1)?.Trim() ?? string.Empty);
            if (keyword == "FROM")
            {
                var parts = arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                stages.Add(new Stage(parts[0], parts.Length == 3 && parts[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? parts[2] : null, []));
            }
            else
            {
                Assert.True(stages.Count > 0, $"{path}: {keyword} before FROM");
                stages[^1].Instructions.Add(new Instruction(keyword, arguments));
            }
        }

        Assert.True(stages.Count > 0, $"{path} has no FROM");
        return new Dockerfile(path, stages);
    }

    public Stage Named(string name) => Assert.Single(Stages, s => s.Name == name);

    /// <summary>A stage: its base image, its name (FROM ... AS name) and its instructions.</summary>
    internal sealed record Stage(string Image, string? Name, List<Instruction> Instructions)
    {
        public IEnumerable<Instruction> All(string keyword) => Instructions.Where(i => i.Keyword == keyword);

        /// <summary>ENTRYPOINT in its JSON (exec) form.</summary>
        public string[] Entrypoint => JsonSerializer.Deserialize<string[]>(Assert.Single(All("ENTRYPOINT")).Arguments)!;
    }

    internal sealed record Instruction(string Keyword, string Arguments)
    {
        public string[] Words => Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }

    [GeneratedRegex(@"\\\r?\n")]
    private static partial Regex ContinuedLine();
}
