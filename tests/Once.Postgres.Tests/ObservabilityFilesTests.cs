using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Once.Grains;
using Once.Hosting.Postgres;
using Once.Postgres.Tests.Processes;
using YamlDotNet.RepresentationModel;

namespace Once.Postgres.Tests;

/// <summary>
/// deploy/observability: the Grafana dashboard and the Prometheus alert rules are well-formed, and
/// every series they query is one a Once process exports (names derived from the instruments the
/// way the Prometheus exporter derives them), so a renamed metric cannot leave them silently empty.
/// </summary>
public sealed partial class ObservabilityFilesTests
{
    private static readonly string Folder = Path.Combine(Repository.Root, "deploy", "observability");

    [Fact]
    public void GrafanaDashboard_EveryPanelQueriesExportedSeries()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "grafana-dashboard.json")));
        var panels = dashboard.RootElement.GetProperty("panels").EnumerateArray().ToList();
        var exported = ExportedSeries();

        Assert.Equal("once-overview", dashboard.RootElement.GetProperty("uid").GetString());
        Assert.True(panels.Count >= 10);
        Assert.Equal(panels.Count, panels.Select(p => p.GetProperty("id").GetInt32()).Distinct().Count());
        foreach (var panel in panels)
        {
            var targets = panel.GetProperty("targets").EnumerateArray().ToList();
            Assert.NotEmpty(targets);
            Assert.All(targets, t => Assert.Empty(Unknown(t.GetProperty("expr").GetString()!, exported)));
        }
    }

    [Fact]
    public void AlertRules_DeadLettersOutboxAgeLateDuplicates_WellFormedOnExportedSeries()
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(Folder, "prometheus-alerts.yml")))
        {
            yaml.Load(reader);
        }

        var rules = ((YamlSequenceNode)((YamlMappingNode)((YamlSequenceNode)((YamlMappingNode)yaml.Documents[0].RootNode)["groups"])[0])["rules"]).Cast<YamlMappingNode>().ToList();
        var exported = ExportedSeries();

        Assert.Contains(rules, r => Value(r, "alert") == "OnceDeadLettersGrowing");
        Assert.Contains(rules, r => Value(r, "alert") == "OnceOutboxStuck");
        Assert.Contains(rules, r => Value(r, "alert") == "OnceLateDuplicates");
        foreach (var rule in rules)
        {
            Assert.Empty(Unknown(Value(rule, "expr")!, exported));
            Assert.NotNull(Value((YamlMappingNode)rule["labels"], "severity"));
            Assert.NotNull(Value((YamlMappingNode)rule["annotations"], "summary"));
            Assert.True(Value(rule, "for") is null || Duration().IsMatch(Value(rule, "for")!), $"{Value(rule, "alert")}: bad 'for'");
        }

        // The late-duplicates rule counts above a bucket boundary the histogram has: half the retention.
        Assert.Contains("le=\"302400\"", Value(rules.Single(r => Value(r, "alert") == "OnceLateDuplicates"), "expr"), StringComparison.Ordinal);
    }

    [Fact]
    public void Check_MisspeltSeries_Refused()
    {
        // The control: the check that passes the files above refuses a series no process exports.
        Assert.Equal(["once_message_total"], Unknown("sum(rate(once_message_total[5m]))", ExportedSeries()));
    }

    /// <summary>The Once and HTTP series an expression names that no process exports.</summary>
    private static List<string> Unknown(string expression, HashSet<string> exported) =>
        [.. SeriesName().Matches(expression).Select(m => m.Value).Where(name => !exported.Contains(name)).Distinct()];

    /// <summary>
    /// The series of Once's instruments (engine and native store) as the Prometheus exporter names
    /// them: dots to underscores, the unit "s" as _seconds (curly units dropped), _total for counters,
    /// _bucket/_sum/_count for histograms; and ASP.NET Core's request histogram.
    /// </summary>
    private static HashSet<string> ExportedSeries()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        var instruments = new List<Instrument>();
        using var listener = new MeterListener { InstrumentPublished = (instrument, _) => instruments.Add(instrument) };
        listener.Start();
        _ = new OnceMetrics(meters);
        using var dataSource = NpgsqlDataSource.Create("Host=127.0.0.1;Database=none");
        using var backlog = new PostgresBacklogMetrics(dataSource, "none", meters, TimeProvider.System, NullLogger<PostgresBacklogMetrics>.Instance);

        var series = new HashSet<string>(StringComparer.Ordinal);
        foreach (var instrument in instruments.Where(i => i.Name.StartsWith("once.", StringComparison.Ordinal)))
        {
            var name = instrument.Name.Replace('.', '_') + (instrument.Unit == "s" ? "_seconds" : "");
            var kind = instrument.GetType().GetGenericTypeDefinition().Name;
            string[] suffixes = kind.StartsWith("Counter", StringComparison.Ordinal) ? ["_total"]
                : kind.StartsWith("Histogram", StringComparison.Ordinal) ? ["_bucket", "_sum", "_count"]
                : [""];
            series.UnionWith(suffixes.Select(s => name + s));
        }

        series.UnionWith(["http_server_request_duration_seconds_bucket", "http_server_request_duration_seconds_sum", "http_server_request_duration_seconds_count"]);
        return series;
    }

    private static string? Value(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? ((YamlScalarNode)value).Value : null;

    [GeneratedRegex(@"\b(once|http_server)_[a-z0-9_]+")]
    private static partial Regex SeriesName();

    [GeneratedRegex(@"^[0-9]+(ms|s|m|h|d)$")]
    private static partial Regex Duration();
}
