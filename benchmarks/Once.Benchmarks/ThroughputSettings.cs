using System.Globalization;

namespace Once.Benchmarks;

/// <summary>The options of <c>--throughput</c>.</summary>
/// <param name="Variant">An environment variable (NAME=value) for a second cluster whose silos run with it: its
/// exactly-once cells are interleaved with the first cluster's, to measure a runtime setting before adopting it.</param>
/// <param name="Only">The names of the cells to run (null: all), for profiling one workload; the report then has only those.</param>
internal sealed record ThroughputSettings(int Rounds, TimeSpan Duration, IReadOnlyList<int> InFlight, int Keys, int SteadyIds, int Silos, string? Variant = null, IReadOnlyList<string>? Only = null)
{
    public const string Usage = "usage: --throughput [--rounds N (5)] [--seconds S (8)] [--in-flight 16,64,256] [--keys 1000] [--steady-ids 1000] [--silos 3] [--variant NAME=value] [--cells NAME,NAME]";

    /// <summary>The in-flight level of the steady-state, duplicate and hot-key runs.</summary>
    public int FocusInFlight => InFlight.Contains(64) ? 64 : InFlight[InFlight.Count / 2];

    /// <summary>The in-flight levels of the best-of targets and of the HTTP cells: 64 and 256 where measured, else the focus level.</summary>
    public IReadOnlyList<int> TargetInFlight => [.. InFlight.Where(n => n is 64 or 256).DefaultIfEmpty(FocusInFlight)];

    public static ThroughputSettings Parse(string[] args)
    {
        var settings = new ThroughputSettings(5, TimeSpan.FromSeconds(8), [16, 64, 256], 1000, 1000, 3);
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int Positive(string value) => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
                ? n
                : throw new ArgumentException($"'{value}' is not a positive whole number.");
            settings = args[i] switch
            {
                ThroughputBenchmark.Option => settings,
                "--rounds" => settings with { Rounds = Positive(Next()) },
                "--seconds" => settings with { Duration = TimeSpan.FromSeconds(Positive(Next())) },
                "--in-flight" => settings with { InFlight = [.. Next().Split(',').Select(Positive)] },
                "--keys" => settings with { Keys = Positive(Next()) },
                "--steady-ids" => settings with { SteadyIds = Positive(Next()) },
                "--silos" => settings with { Silos = Positive(Next()) },
                "--variant" => settings with { Variant = Next() is var v && v.Contains('=', StringComparison.Ordinal) ? v : throw new ArgumentException($"--variant takes NAME=value (was '{v}').") },
                "--cells" => settings with { Only = [.. Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)] },
                _ => throw new ArgumentException($"Unknown option {args[i]}."),
            };
        }

        return settings;
    }
}
