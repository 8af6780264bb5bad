using System.Text.Json;

namespace Once.Postgres.Tests.Processes;

/// <summary>
/// The HTTP front end carries no handlers, engine or silo runtime: what Once.Api's build will load
/// (its deps.json) names none of them, so handler changes never redeploy it. The silo's list, which
/// must name them, shows the check can fail.
/// </summary>
public sealed class ApiLayeringTests
{
    private static readonly string[] SiloOnly =
    [
        "Once.Core", "Once.Grains", "Once.Hosting", "Once.Samples",
        "Microsoft.Orleans.Persistence.AdoNet", "Microsoft.Orleans.Persistence.Memory",
        "Microsoft.Orleans.Reminders.AdoNet", "Microsoft.Orleans.Hosting.Kubernetes",
    ];

    /// <summary>The reminders package, which the API never starts, comes only with the Orleans dashboard (Once:Dashboard).</summary>
    private const string Reminders = "Microsoft.Orleans.Reminders";

    [Fact]
    public void OnceApi_Loads_NoHandlerEngineOrSiloAssembly()
    {
        var api = Libraries("Once.Api");

        Assert.Contains("Once.Http", api);
        Assert.Contains("Once.Client", api);
        Assert.Empty(SiloOnly.Intersect(api));
        Assert.Equal(["Microsoft.Orleans.Dashboard"], DependentsOf("Once.Api", Reminders));
    }

    [Fact]
    public void OnceSilo_Loads_TheHandlersAndTheSiloRuntime()
    {
        var silo = Libraries("Once.Silo");

        Assert.Equal(SiloOnly.Order(), SiloOnly.Intersect(silo).Order());
        Assert.Contains("Once.Grains", DependentsOf("Once.Silo", Reminders));
    }

    /// <summary>The packages and projects in the executable's deps.json that depend on <paramref name="library"/> directly.</summary>
    private static List<string> DependentsOf(string project, string library)
    {
        var deps = Path.ChangeExtension(Repository.Executable(project), ".deps.json");
        using var document = JsonDocument.Parse(File.ReadAllText(deps));
        return [.. document.RootElement.GetProperty("targets").EnumerateObject().First().Value.EnumerateObject()
            .Where(entry => entry.Value.TryGetProperty("dependencies", out var dependencies) && dependencies.TryGetProperty(library, out _))
            .Select(entry => entry.Name.Split('/')[0])
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>The names of the packages and projects in the executable's deps.json.</summary>
    private static HashSet<string> Libraries(string project)
    {
        var deps = Path.ChangeExtension(Repository.Executable(project), ".deps.json");
        using var document = JsonDocument.Parse(File.ReadAllText(deps));
        return document.RootElement.GetProperty("libraries").EnumerateObject()
            .Select(library => library.Name.Split('/')[0])
            .ToHashSet(StringComparer.Ordinal);
    }
}
