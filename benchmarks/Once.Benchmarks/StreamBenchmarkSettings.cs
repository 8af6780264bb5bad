using System.Globalization;

namespace Once.Benchmarks;

/// <summary>
/// What <c>--streams</c> runs, from the command line. Every count is per round and per run, so one
/// round sends <c>PacedMessages + 2 * (Messages + ConcurrentMessages)</c> messages. The defaults take
/// about two minutes on a 2-core machine.
/// </summary>
internal sealed record StreamBenchmarkSettings
{
    public const string Usage =
        "usage: --streams [--rounds 5] [--paced-messages 100] [--messages 300] [--concurrent-messages 800] [--producers 8] [--entities 32]\n" +
        "  --rounds               A/B rounds, measured (one smaller warm-up round runs first)\n" +
        "  --paced-messages       stream messages per round sent one at a time, each after the previous one was applied\n" +
        "  --messages             messages per path and round from one sequential producer\n" +
        "  --concurrent-messages  messages per path and round from --producers concurrent producers\n" +
        "  --producers            concurrent producers\n" +
        "  --entities             fresh accounts entities per run (a multiple of --producers)";

    /// <summary>A/B rounds that are measured. Default: 5.</summary>
    public int Rounds { get; init; } = 5;

    /// <summary>Stream messages per round published one at a time, each once the previous one was applied. Default: 100.</summary>
    public int PacedMessages { get; init; } = 100;

    /// <summary>Messages per path and round from one sequential producer. Default: 300.</summary>
    public int Messages { get; init; } = 300;

    /// <summary>Messages per path and round from <see cref="Producers"/> concurrent producers. Default: 800.</summary>
    public int ConcurrentMessages { get; init; } = 800;

    /// <summary>Concurrent producers; each owns its share of the entities. Default: 8.</summary>
    public int Producers { get; init; } = 8;

    /// <summary>Fresh accounts entities per run; messages go to them round-robin. Default: 32.</summary>
    public int Entities { get; init; } = 32;

    /// <summary>Reads the options after <c>--streams</c>; throws <see cref="ArgumentException"/> naming a bad one.</summary>
    public static StreamBenchmarkSettings Parse(IReadOnlyList<string> args)
    {
        var settings = new StreamBenchmarkSettings();
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == "--streams")
            {
                continue;
            }

            Func<int, StreamBenchmarkSettings> set = args[i] switch
            {
                "--rounds" => v => settings with { Rounds = v },
                "--paced-messages" => v => settings with { PacedMessages = v },
                "--messages" => v => settings with { Messages = v },
                "--concurrent-messages" => v => settings with { ConcurrentMessages = v },
                "--producers" => v => settings with { Producers = v },
                "--entities" => v => settings with { Entities = v },
                _ => throw new ArgumentException($"Unknown option {args[i]}."),
            };
            settings = i + 1 < args.Count && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
                ? set(value)
                : throw new ArgumentException($"{args[i]} needs a positive whole number after it.");
            i++;
        }

        if (settings.Entities % settings.Producers != 0)
        {
            throw new ArgumentException($"--entities ({settings.Entities}) must be a multiple of --producers ({settings.Producers}), so every producer owns its own entities.");
        }

        return settings;
    }
}
