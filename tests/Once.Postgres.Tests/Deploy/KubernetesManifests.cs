using System.Text.Json;
using System.Text.RegularExpressions;
using k8s;
using Once.Postgres.Tests.Processes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Once.Postgres.Tests.Deploy;

/// <summary>
/// The manifests under deploy/k8s, rendered by <c>kubectl kustomize</c> and checked offline against
/// the Kubernetes API schemas, two ways: a strict read into the Kubernetes client's models (an
/// unknown apiVersion or kind, an unknown field, a value of the wrong type), and the schema check in
/// deploy/k8s/schema (types, formats, enumerations, required fields; what the models cannot tell).
/// </summary>
internal static partial class KubernetesManifests
{
    public static string Base { get; } = Path.Combine(Repository.Root, "deploy", "k8s", "base");

    public static string LocalOverlay { get; } = Path.Combine(Repository.Root, "deploy", "k8s", "overlays", "local");

    private static string SchemaCheck { get; } = Path.Combine(Repository.Root, "deploy", "k8s", "schema");

    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    /// <summary>What <c>kubectl kustomize</c> prints for the kustomization in <paramref name="directory"/>.</summary>
    public static async Task<string> RenderAsync(string directory)
    {
        var (exitCode, output, error) = await Tool.RunAsync("kubectl", ["kustomize", directory], Timeout);
        Assert.True(exitCode == 0, $"kubectl kustomize {directory} failed ({exitCode}):{Environment.NewLine}{error}");
        return output;
    }

    /// <summary>The objects of a rendered file, read strictly (call after <see cref="ValidateAsync"/> found nothing).</summary>
    public static IReadOnlyList<IKubernetesObject> Objects(string yaml) =>
        [.. KubernetesYaml.LoadAllFromString(yaml, strict: true).Cast<IKubernetesObject>()];

    /// <summary>Every problem with the objects of <paramref name="yaml"/>, each naming its object; empty when all are valid.</summary>
    public static async Task<IReadOnlyList<string>> ValidateAsync(string yaml)
    {
        var problems = new List<string>();
        foreach (var document in DocumentSeparator().Split(yaml).Where(d => !string.IsNullOrWhiteSpace(d)))
        {
            try
            {
                _ = KubernetesYaml.LoadAllFromString(document, strict: true);
            }
            catch (Exception e) when (e is YamlException or KeyNotFoundException)
            {
                // The models know no such apiVersion and kind (KeyNotFoundException), or no such field or value.
                problems.Add($"{Describe(document)}: {(e.InnerException ?? e).Message}");
            }
        }

        problems.AddRange(await SchemaProblemsAsync(yaml));
        return problems;
    }

    private static async Task<IEnumerable<string>> SchemaProblemsAsync(string yaml)
    {
        Assert.True(Directory.Exists(Path.Combine(SchemaCheck, "node_modules", "kubernetes-models")),
            $"The schema check's packages are not installed: npm ci --prefix {Path.GetRelativePath(Repository.Root, SchemaCheck)} (.ci/run does).");
        var file = Path.Combine(Path.GetTempPath(), $"once-k8s-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, yaml);
        try
        {
            var (exitCode, output, error) = await Tool.RunAsync("node", [Path.Combine(SchemaCheck, "check.mjs"), file], Timeout);
            Assert.True(exitCode is 0 or 1, $"The schema check could not run ({exitCode}):{Environment.NewLine}{error}{output}");
            return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line =>
            {
                using var problem = JsonDocument.Parse(line);
                var root = problem.RootElement;
                return $"{root.GetProperty("object").GetString()} {root.GetProperty("path").GetString()}: {root.GetProperty("message").GetString()}";
            }).ToList();
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>kind/name of a document, as far as it can be read.</summary>
    private static string Describe(string document)
    {
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(document));
            if (stream.Documents.FirstOrDefault()?.RootNode is YamlMappingNode root)
            {
                var kind = Scalar(root, "kind") ?? "(no kind)";
                var name = root.Children.TryGetValue(new YamlScalarNode("metadata"), out var metadata) && metadata is YamlMappingNode meta ? Scalar(meta, "name") : null;
                return $"{kind}/{name ?? "(no name)"}";
            }
        }
        catch (YamlException)
        {
            // Not even YAML: the strict read says so in its own problem.
        }

        return "(unreadable document)";
    }

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode scalar ? scalar.Value : null;

    [GeneratedRegex(@"^---[ \t]*$", RegexOptions.Multiline)]
    private static partial Regex DocumentSeparator();
}
