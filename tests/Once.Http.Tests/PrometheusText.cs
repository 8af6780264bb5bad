using System.Globalization;
using System.Text.RegularExpressions;

namespace Once.Http.Tests;

/// <summary>Reads samples out of a <c>/metrics</c> body in the Prometheus text format, as a scraper would.</summary>
internal static partial class PrometheusText
{
    /// <summary>
    /// The sum of the samples named <paramref name="name"/> whose labels include all of
    /// <paramref name="labels"/>; 0 when there is none (a counter not yet incremented is not exported).
    /// </summary>
    public static double Sum(string body, string name, params (string Name, string Value)[] labels) =>
        body.Split('\n')
            .Select(line => Sample().Match(line))
            .Where(m => m.Success && m.Groups["name"].Value == name)
            .Where(m => labels.All(label => Labels(m.Groups["labels"].Value).Contains(label)))
            .Sum(m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));

    private static HashSet<(string Name, string Value)> Labels(string text) =>
        [.. Label().Matches(text).Select(m => (m.Groups["name"].Value, m.Groups["value"].Value))];

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? (?<value>\S+)""")]
    private static partial Regex Sample();

    [GeneratedRegex("""(?<name>[a-zA-Z_][a-zA-Z0-9_]*)="(?<value>(?:[^"\\]|\\.)*)""")]
    private static partial Regex Label();
}
