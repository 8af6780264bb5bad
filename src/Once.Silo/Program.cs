using Once;
using Once.Hosting;
using Once.Samples;

// A silo process: hosts entity grains and serves /health/live, /health/ready and /metrics on its --urls.
//   migrate       applies the PostgreSQL schema to the configured database and exits
//   healthcheck   asks /health/ready (for container health checks) and exits 0 or 1
return args.FirstOrDefault() switch
{
    "migrate" => await OnceHost.RunAsync(() => OnceMigrations.MigrateAsync(OnceHost.CreateBuilder(args[1..]).Configuration)),
    "healthcheck" => await OnceHealthProbe.RunAsync(args),
    _ => await OnceHost.RunAsync(async () =>
    {
        var builder = OnceHost.CreateBuilder(args);
        builder.UseDefaultUrl("http://localhost:8081");

        builder.AddOnceSilo();
        builder.Services.AddSampleDomains();

        var app = builder.Build();
        app.MapOnceHealth();
        app.MapOnceMetrics();
        await app.RunAsync();
    }),
};
