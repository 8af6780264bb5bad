using Once.Hosting;
using Once.Http;
using Once.Samples;
using Orleans.Dashboard;
using Scalar.AspNetCore;

// Development server: a silo and the HTTP API in one process. Memory storage and localhost clustering
// unless configured otherwise (Once__Storage=Postgres ONCE_POSTGRES=... makes it durable).
if (OnceHost.IsHelp(args))
{
    return OnceHost.PrintHelp("""
        Once.Server: the development server, one silo and the HTTP API in one process on --urls (default http://localhost:5080).
        With the default settings state is in memory and NOT durable; Once:Storage=Postgres with a connection string makes it durable.

        Usage:
          Once.Server [settings]   serve until stopped
          Once.Server --help       this text
        """);
}

return await OnceHost.RunAsync(async () =>
{
    var builder = OnceHost.CreateBuilder(args);
    builder.UseDefaultUrl("http://localhost:5080");

    var options = builder.AddOnceSilo();
    // The Orleans dashboard (silos, grains, calls, reminders) with --Once:Dashboard=true: it profiles
    // every grain call, and its start races the silo's (a few warnings until the silo is up).
    var dashboard = builder.Configuration.GetValue<bool>("Once:Dashboard");
    if (dashboard)
    {
        builder.UseOrleans(silo => silo.AddDashboard());
    }
    // The development server is open unless Once:Auth:Mode says otherwise, and says so at start.
    builder.AddOnceAuth(defaultMode: AuthMode.None);
    builder.AddOnceRateLimits();
    builder.Services.AddSampleDomains().AddOnceHttp().AddOnceHealth(options).AddOnceMetrics().AddOnceTracing(builder.Configuration);

    var app = builder.BuildOnce();
    app.UseOnceHttp();
    app.MapOnceHealth();
    app.MapOnceMetrics();
    // An interactive page over /openapi/v1.json, for trying the API by hand.
    app.MapScalarApiReference("/docs", o => o.WithOpenApiRoutePattern(OnceOpenApiExtensions.DocumentPath));
    if (dashboard)
    {
        app.MapOrleansDashboard("/dashboard").RequireScope(app, OnceScopes.Admin);
    }

    await app.RunAsync();
});
