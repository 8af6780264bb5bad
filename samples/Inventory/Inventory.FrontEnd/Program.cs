using Once.Abstractions;
using Once.Client;
using Once.Http;

// Our front end: Once's HTTP API (/v1/entities/..., /v1/streams/...) and an endpoint of our own that
// sends through the Orleans client. It must use the silos' Once:ServiceId, ClusterId, Clustering and
// Streams settings (README: Connect a front-end service).
var builder = WebApplication.CreateBuilder(args);
var once = builder.AddOnceClient();
builder.AddOnceAuth(defaultMode: null);   // Once:Auth:Mode must be set: ApiKey, Jwt, or None (README: Security)
builder.Services.AddOnceHttp().AddOnceHealth(once).AddOnceMetrics();

var app = builder.Build();
app.UseOnceHttp();
app.MapOnceHealth();

// POST /orders/{orderId}/reserve?sku=...&count=...: one reservation per order, whatever the retries.
// The order id is the message id, so a retried request (or a resent call) reserves once.
app.MapPost("/orders/{orderId}/reserve", async (string orderId, string sku, int count, IGrainFactory grains) =>
{
    var message = new MessageEnvelope(new MessageId("reserve-" + orderId), new EntityKey("stock", sku), "reserve", $$"""{"count":{{count}}}""");
    var outcome = await grains.SendWithRetryAsync(message, once.Calls.RetryBudget);
    return Results.Json(new { status = outcome.Status.ToWireName(), outcome.Version, outcome.Reason, replayed = outcome.Replayed });
}).RequireScope(app, OnceScopes.Send);

await app.RunAsync();
