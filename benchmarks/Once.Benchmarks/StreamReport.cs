using System.Globalization;
using System.Text;

namespace Once.Benchmarks;

/// <summary>The markdown report of one <c>--streams</c> run.</summary>
internal sealed record StreamReport(
    StreamBenchmarkSettings Settings,
    string Command,
    string Commit,
    string Database,
    string Machine,
    string LoadBefore,
    string LoadAfter,
    TimeSpan Duration,
    IReadOnlyList<StreamRound> Rounds)
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public string ToMarkdown()
    {
        var text = new StringBuilder();
        var p = Settings.Producers;
        text.AppendLine("## Stream benchmark: direct call (A) against durable stream (B) on PostgreSQL");
        text.AppendLine();
        text.AppendLine(C, $"- Command: `{Command}`, built from commit {Commit}");
        text.AppendLine(C, $"- Run: {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, {Duration.TotalSeconds:0} s; {Machine}; load average {LoadBefore} before, {LoadAfter} after.");
        text.AppendLine(C, $"- PostgreSQL {Database}.");
        text.AppendLine(C, $"- {Rounds.Count} measured rounds after one smaller warm-up round. Each round runs, in this order: B one in flight ({Settings.PacedMessages} messages),");
        text.AppendLine(C, $"  A with 1 producer and B flat out with 1 producer ({Settings.Messages} each), A and B flat out with {p} producers ({Settings.ConcurrentMessages} each);");
        text.AppendLine(C, $"  every run sends deposits to {Settings.Entities} fresh `accounts` entities.");
        text.AppendLine();
        text.AppendLine("Latency in ms, pooled over all rounds (nearest-rank percentiles). Throughput: median of the rounds, lowest - highest in brackets.");
        text.AppendLine();
        text.AppendLine("| Run | Producers | Messages | Producer waits, median | Median | p90 | p99 | Max | Throughput, msg/s |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        Row(text, "A direct call", 1, r => r.DirectSequential, throughput: true);
        Row(text, "B stream, one in flight", 1, r => r.StreamPaced, throughput: false);
        Row(text, "B stream, flat out", 1, r => r.StreamSequential, throughput: true);
        Row(text, "A direct call", p, r => r.DirectConcurrent, throughput: true);
        Row(text, "B stream, flat out", p, r => r.StreamConcurrent, throughput: true);
        text.AppendLine();
        text.AppendLine("B/A ratios: latency ratios divide the pooled figures above (above 1: the stream is slower); the throughput ratio is");
        text.AppendLine("the median of the per-round ratios (below 1: the stream is slower).");
        text.AppendLine();
        text.AppendLine("| B against A | Median | p90 | p99 | Max | Throughput |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        RatioRow(text, "1 producer, B one in flight", r => r.DirectSequential, r => r.StreamPaced, throughput: false);
        RatioRow(text, "1 producer, B flat out", r => r.DirectSequential, r => r.StreamSequential, throughput: true);
        RatioRow(text, $"{p} producers, B flat out", r => r.DirectConcurrent, r => r.StreamConcurrent, throughput: true);
        text.AppendLine();
        text.AppendLine("Per round (median latency in ms, throughput in msg/s):");
        text.AppendLine();
        text.AppendLine(C, $"| Round | A median | B one in flight, median | A msg/s, 1 producer | B msg/s, 1 producer | A msg/s, {p} producers | B msg/s, {p} producers |");
        text.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (var i = 0; i < Rounds.Count; i++)
        {
            var r = Rounds[i];
            text.AppendLine(C,
                $"| {i + 1} | {Distribution.Of(r.DirectSequential.LatenciesMs).Median:0.0} | {Distribution.Of(r.StreamPaced.LatenciesMs).Median:0.0} " +
                $"| {r.DirectSequential.Throughput:0} | {r.StreamSequential.Throughput:0} | {r.DirectConcurrent.Throughput:0} | {r.StreamConcurrent.Throughput:0} |");
        }

        text.AppendLine();
        text.AppendLine("What is measured (silo, client and benchmark share one process; the client reaches the silo's gateway over TCP):");
        text.AppendLine("- A: `client.SendAsync(envelope)` until the outcome is back, i.e. the deposit is committed to PostgreSQL. Latency is");
        text.AppendLine("  that call; every producer awaits each call before the next; throughput is messages over the run's wall time.");
        text.AppendLine("- B: `EntityStreamPublisher.PublishAsync`, which returns once the message is stored in the PostgreSQL queue (the");
        text.AppendLine("  producer's wait); the silo's pulling agents then deliver it to the entity. Latency is the outcome's `FirstSeenAt`,");
        text.AppendLine("  stamped by the entity grain when it processes the message, minus the time the producer started publishing;");
        text.AppendLine("  outcomes are read afterwards, so polling does not move the end point. `FirstSeenAt` is stamped before the");
        text.AppendLine("  entity's state write that A waits for, so the B/A latency ratios, if anything, flatter the stream.");
        text.AppendLine("- B one in flight: the next message is published once the previous one's outcome is found (polled every 20 ms):");
        text.AppendLine("  latency without queueing. Its pace is set by that polling, so it has no throughput.");
        text.AppendLine("- B flat out: producers publish without waiting for delivery; throughput is messages over first publish to last");
        text.AppendLine("  `FirstSeenAt`. Where producers publish faster than the silo delivers, the latency also counts time queued behind");
        text.AppendLine("  earlier messages, which grows with the message count: compare the flat-out runs for throughput and the");
        text.AppendLine("  one-in-flight run for latency.");
        text.AppendLine("- The first message to each fresh entity includes activating it (reading its empty state from PostgreSQL).");
        return text.ToString();
    }

    private void Row(StringBuilder text, string run, int producers, Func<StreamRound, Measurement> pick, bool throughput)
    {
        var latency = Distribution.Of(Rounds.SelectMany(r => pick(r).LatenciesMs));
        var waits = Distribution.Of(Rounds.SelectMany(r => pick(r).ProducerWaitsMs));
        var rate = Distribution.Of(Rounds.Select(r => pick(r).Throughput));
        var rateCell = throughput ? string.Create(C, $"**{rate.Median:0}** ({rate.Min:0} - {rate.Max:0})") : "-";
        text.AppendLine(C,
            $"| {run} | {producers} | {latency.Count} | {waits.Median:0.0} | **{latency.Median:0.0}** | {latency.P90:0.0} | **{latency.P99:0.0}** | {latency.Max:0.0} | {rateCell} |");
    }

    private void RatioRow(StringBuilder text, string comparison, Func<StreamRound, Measurement> a, Func<StreamRound, Measurement> b, bool throughput)
    {
        var la = Distribution.Of(Rounds.SelectMany(r => a(r).LatenciesMs));
        var lb = Distribution.Of(Rounds.SelectMany(r => b(r).LatenciesMs));
        var rate = Distribution.Of(Rounds.Select(r => b(r).Throughput / a(r).Throughput));
        var rateCell = throughput ? string.Create(C, $"**{rate.Median:0.00}x** ({rate.Min:0.00} - {rate.Max:0.00})") : "-";
        text.AppendLine(C,
            $"| {comparison} | **{lb.Median / la.Median:0.0}x** | {lb.P90 / la.P90:0.0}x | **{lb.P99 / la.P99:0.0}x** | {lb.Max / la.Max:0.0}x | {rateCell} |");
    }
}
