using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Once.Abstractions;
using OpenTelemetry;
using OpenTelemetry.Trace;
using static Once.Http.Tests.OnceApi;

namespace Once.Http.Tests;

/// <summary>
/// One HTTP message is one trace: the request, the grain call, the entity's decision and the store
/// commit, with the entity and message id on Once's spans; the outbox delivery it causes later starts
/// a trace of its own that links back to the decision, and the target's decision belongs to that one.
/// </summary>
[Collection(OnceHttpCollection.Name)]
public sealed class TracingTests(OnceHttpFixture fixture) : IAsyncLifetime
{
    private readonly SpanCollector _spans = new();
    private WebApplication? _app;

    public async Task InitializeAsync() =>
        _app = await fixture.StartAppAsync(web =>
        {
            web.WebHost.UseTestServer();
            web.Services.AddOnceTracing(new ConfigurationBuilder().Build(), tracing => tracing.AddProcessor(_spans));
        });

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    [Fact]
    public async Task PayAnOrderOverHttp_OneTraceFromRequestToCommit_DeliveryLinkedToTheDecision()
    {
        using var http = _app!.GetTestClient();
        var (order, account) = (NewId("o"), NewId("a"));
        var (depositKey, placeKey, payKey) = (NewId("deposit"), NewId("place"), NewId("pay"));
        Expect.Success(await http.PostAsync(Accounts, account, depositKey, Deposit(50)), "applied", 1, depositKey);
        Expect.Success(await http.PostAsync(Orders, order, placeKey, $$$"""{"type":"place","data":{"total":30,"account":"{{{account}}}"}}"""), "applied", 1, placeKey);
        Expect.Success(await http.PostAsync(Orders, order, payKey, NoData("pay")), "applied", 2, payKey);
        var orderKey = $"{Orders}/{order}";

        var decide = await Eventually.FoundAsync(() => Task.FromResult(_spans.Find("once.decide", orderKey, payKey)), "no decide span for the pay message");
        var commit = await Eventually.FoundAsync(() => Task.FromResult(_spans.Find("once.commit", orderKey, payKey)), "no commit span for the pay message");
        var delivery = await Eventually.FoundAsync(() => Task.FromResult(_spans.Find("once.outbox.deliver", orderKey, null)), "no delivery span for the withdrawal");
        var target = await Eventually.FoundAsync(
            () => Task.FromResult(_spans.All.FirstOrDefault(s => s.Name == "once.decide" && s.TraceId == delivery.TraceId && s.Entity == $"{Accounts}/{account}")),
            "the account's decision is not in the delivery's trace");

        // The request's trace holds the HTTP request, a grain call below it, and Once's spans below that.
        var request = _spans.All.Single(s => s.Source == "Microsoft.AspNetCore" && s.Kind == ActivityKind.Server && s.TraceId == decide.TraceId);
        var decideChain = _spans.Ancestors(decide).ToList();
        Assert.Contains(request, decideChain);
        Assert.Contains(decideChain, s => s.Source.StartsWith("Microsoft.Orleans", StringComparison.Ordinal));
        Assert.Equal(decide.TraceId, commit.TraceId);
        Assert.Contains(request, _spans.Ancestors(commit));
        Assert.Equal("applied", decide.Tags["once.outcome"]);

        // The delivery runs later, in a trace of its own, linked to the decision that emitted it.
        Assert.NotEqual(decide.TraceId, delivery.TraceId);
        Assert.Contains((decide.TraceId, decide.SpanId), delivery.Links);
        Assert.Equal($"{Accounts}/{account}", delivery.Tags["once.target"]);
        Assert.Equal(delivery.TraceId, target.TraceId);
    }

    /// <summary>A finished span, as the exporter saw it.</summary>
    private sealed record Span(
        string Name, string Source, ActivityKind Kind, ActivityTraceId TraceId, ActivitySpanId SpanId, ActivitySpanId ParentSpanId,
        IReadOnlyDictionary<string, string?> Tags, IReadOnlyList<(ActivityTraceId, ActivitySpanId)> Links)
    {
        public string? Entity => Tags.GetValueOrDefault(OnceTelemetry.EntityAttribute);

        public string? MessageId => Tags.GetValueOrDefault(OnceTelemetry.MessageIdAttribute);
    }

    /// <summary>Keeps every span that ends while the test runs (spans of other tests included; they are filtered by key).</summary>
    private sealed class SpanCollector : BaseProcessor<Activity>
    {
        private readonly List<Span> _spans = [];

        public IReadOnlyList<Span> All
        {
            get
            {
                lock (_spans)
                {
                    return [.. _spans];
                }
            }
        }

        public override void OnEnd(Activity data)
        {
            var span = new Span(
                data.DisplayName,
                data.Source.Name,
                data.Kind,
                data.TraceId,
                data.SpanId,
                data.ParentSpanId,
                data.TagObjects.ToDictionary(t => t.Key, t => t.Value is bool b ? (b ? "true" : "false") : t.Value?.ToString()),
                [.. data.Links.Select(l => (l.Context.TraceId, l.Context.SpanId))]);
            lock (_spans)
            {
                _spans.Add(span);
            }
        }

        public Span? Find(string name, string entity, string? messageId) =>
            All.FirstOrDefault(s => s.Name == name && s.Entity == entity && (messageId is null || s.MessageId == messageId));

        /// <summary>The span's parents, nearest first, as far as they were collected.</summary>
        public IEnumerable<Span> Ancestors(Span span)
        {
            var all = All;
            for (var parent = all.FirstOrDefault(s => s.SpanId == span.ParentSpanId); parent is not null; parent = all.FirstOrDefault(s => s.SpanId == parent.ParentSpanId))
            {
                yield return parent;
            }
        }
    }
}
