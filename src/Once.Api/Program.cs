using Once.Client;
using Once.Http;
using Orleans.Dashboard;

// The HTTP front end as its own process: an Orleans client that finds the silos' gateways through
// the membership table (Once:Clustering=Postgres) or on localhost. `healthcheck` asks /health/ready.
if (OnceHost.IsHelp(args))
{
    return OnceHost.PrintHelp("""
        Once.Api: the HTTP API of a Once cluster, as a process of its own (an Orleans client of the silos), on --urls (default http://localhost:5080).

        Usage:
          Once.Api [settings]               serve the API until stopped
          Once.Api healthcheck [--urls URL] ask /health/ready (for container health checks); exit 0 when ready, else 1
          Once.Api --help                   this text
        """);
}

if (args.FirstOrDefault() == "healthcheck")
{
    return await OnceHealthProbe.RunAsync(args);
}

return await OnceHost.RunAsync(async () =>
{
    var builder = OnceHost.CreateBuilder(args);
    builder.UseDefaultUrl("http://localhost:5080");

    var options = builder.AddOnceClient();
    // The Orleans dashboard with --Once:Dashboard=true, read through this client from silos started
    // with the same setting (they collect the figures: every grain call is profiled).
    var dashboard = builder.Configuration.GetValue<bool>("Once:Dashboard");
    if (dashboard)
    {
        builder.UseOrleansClient(client => client.AddDashboard());
    }

    // Once.Api runs open only when told to: Once:Auth:Mode has no default here.
    builder.AddOnceAuth(defaultMode: null);
    builder.AddOnceRateLimits();
    builder.Services.AddOnceHttp().AddOnceHealth(options).AddOnceMetrics().AddOnceTracing(builder.Configuration);

    var app = builder.BuildOnce();
    app.UseOnceHttp();
    app.MapOnceHealth();
    app.MapOnceMetrics();
    if (dashboard)
    {
        app.MapOrleansDashboard("/dashboard").RequireScope(app, OnceScopes.Admin);
    }

    await app.RunAsync();
});
