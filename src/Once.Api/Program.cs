using Once;
using Once.Hosting;
using Once.Http;
using Once.Samples;

// The HTTP front end as its own process: an Orleans client that finds the silos' gateways through
// the membership table (Once:Clustering=Postgres) or on localhost. `healthcheck` asks /health/ready.
if (args.FirstOrDefault() == "healthcheck")
{
    return await OnceHealthProbe.RunAsync(args);
}

return await OnceHost.RunAsync(async () =>
{
    var builder = OnceHost.CreateBuilder(args);
    builder.UseDefaultUrl("http://localhost:5080");

    builder.AddOnceClient();
    builder.Services.AddSampleDomains();
    builder.Services.AddOnceHttp();

    var app = builder.Build();
    app.UseOnceHttp();
    app.MapOnceHealth();
    app.MapOnceMetrics();
    await app.RunAsync();
});
