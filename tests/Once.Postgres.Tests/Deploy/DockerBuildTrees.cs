using Once.Postgres.Tests.Processes;

namespace Once.Postgres.Tests.Deploy;

/// <summary>
/// Folders that stand for a Dockerfile build stage's file system: the stage's COPY instructions
/// carried out from the repository (the build context, less what .dockerignore leaves out), and
/// its absolute paths (WORKDIR /src, -o /app) under the folder. Dockerfiles whose stages copy the
/// same files share one folder, so the second build is incremental; each build's output folders are
/// cleared first.
/// </summary>
public sealed class DockerBuildTrees : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "once-docker-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly Dictionary<string, Tree> _trees = new(StringComparer.Ordinal);
    private readonly IReadOnlyList<Func<string, bool>> _ignored = DockerIgnore(Path.Combine(Repository.Root, ".dockerignore"));

    /// <summary>The folder for <paramref name="stage"/>, its copies made, with nothing else beside them.</summary>
    internal Tree For(Dockerfile.Stage stage)
    {
        var copies = stage.Instructions.Where(i => i.Keyword is "WORKDIR" or "COPY").Select(i => $"{i.Keyword} {i.Arguments}").ToList();
        var key = string.Join('\n', copies);
        if (!_trees.TryGetValue(key, out var tree))
        {
            tree = new Tree(Path.Combine(_root, _trees.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Directory.CreateDirectory(tree.Root);
            var directory = "/";
            foreach (var instruction in stage.Instructions)
            {
                if (instruction.Keyword == "WORKDIR")
                {
                    directory = Combine(directory, instruction.Arguments);
                    Directory.CreateDirectory(tree.Map(directory));
                }
                else if (instruction.Keyword == "COPY")
                {
                    Copy(tree, directory, instruction.Words);
                }
            }

            tree.Kept.UnionWith(Directory.EnumerateFileSystemEntries(tree.Root).Select(e => Path.GetFileName(e)));
            _trees[key] = tree;
        }

        foreach (var entry in Directory.EnumerateDirectories(tree.Root).Where(e => !tree.Kept.Contains(Path.GetFileName(e))))
        {
            Directory.Delete(entry, recursive: true);
        }

        return tree;
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private void Copy(Tree tree, string directory, string[] words)
    {
        Assert.DoesNotContain(words, w => w.StartsWith("--", StringComparison.Ordinal));
        var (sources, destination) = (words[..^1], Combine(directory, words[^1]));
        foreach (var source in sources)
        {
            var from = Path.Combine(Repository.Root, source);
            if (Directory.Exists(from))
            {
                foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
                {
                    var relative = Path.GetRelativePath(Repository.Root, file).Replace('\\', '/');
                    if (!_ignored.Any(ignored => ignored(relative)))
                    {
                        CopyFile(file, Path.Combine(tree.Map(destination), Path.GetRelativePath(from, file)));
                    }
                }
            }
            else
            {
                Assert.True(File.Exists(from), $"COPY {source}: no such file in the build context");
                var target = words[^1].EndsWith('/') || sources.Length > 1 ? Path.Combine(tree.Map(destination), Path.GetFileName(from)) : tree.Map(destination);
                CopyFile(from, target);
            }
        }
    }

    private static void CopyFile(string from, string to)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        File.Copy(from, to, overwrite: true);
    }

    private static string Combine(string directory, string path) => path.StartsWith('/') ? path : $"{directory.TrimEnd('/')}/{path}";

    /// <summary>
    /// The patterns of .dockerignore this check understands (<c>**/name/</c>: a folder of that name
    /// anywhere; <c>path/</c>: that folder); any other pattern fails the test rather than being misread.
    /// </summary>
    private static List<Func<string, bool>> DockerIgnore(string file) =>
        [.. File.ReadAllLines(file).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).Select<string, Func<string, bool>>(pattern =>
        {
            var name = pattern.TrimEnd('/');
            if (name.StartsWith("**/", StringComparison.Ordinal) && !name[3..].Contains('*') && !name[3..].Contains('/'))
            {
                return path => path.Split('/')[..^1].Contains(name[3..]);
            }

            Assert.False(name.Contains('*') || name.Contains('?') || name.StartsWith('!'), $".dockerignore: the pattern '{pattern}' is not one this check reads");
            return path => path == name || path.StartsWith(name + "/", StringComparison.Ordinal);
        })];

    /// <summary>One stand-in file system.</summary>
    internal sealed class Tree(string root)
    {
        public string Root { get; } = root;

        /// <summary>The top-level entries the copies made; anything else is a build's output.</summary>
        public HashSet<string> Kept { get; } = new(StringComparer.Ordinal);

        /// <summary>An absolute path of the stage, here.</summary>
        public string Map(string path) => Path.Combine(Root, path.TrimStart('/'));
    }
}
