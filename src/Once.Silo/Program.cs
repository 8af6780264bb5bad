using Once.Hosting;
using Once.Http;
using Once.Samples;
using Orleans.Dashboard;

// A silo process: hosts entity grains and serves /health/live, /health/ready and /metrics on its --urls.
//   migrate       applies the PostgreSQL schema to the configured database and exits
//   healthcheck   asks /health/ready (for container health checks) and exits 0 or 1
if (OnceHost.IsHelp(args))
{
    return OnceHost.PrintHelp("""
        Once.Silo: a silo of a Once cluster. It hosts the entities and serves /health/live, /health/ready and /metrics on --urls (default http://localhost:8081).

        Usage:
          Once.Silo [settings]               run the silo until stopped
          Once.Silo migrate [settings]       apply the PostgreSQL schema to the configured database and exit
          Once.Silo healthcheck [--urls URL] ask /health/ready (for container health checks); exit 0 when ready, else 1
          Once.Silo --help                   this text
        """);
}

return args.FirstOrDefault() switch
{
    "migrate" => await OnceHost.RunAsync(() => OnceMigrations.MigrateAsync(OnceHost.CreateBuilder(args[1..]).Configuration)),
    "healthcheck" => await OnceHealthProbe.RunAsync(args),
    _ => await OnceHost.RunAsync(async () =>
    {
        var builder = OnceHost.CreateBuilder(args);
        builder.UseDefaultUrl("http://localhost:8081");

        var options = builder.AddOnceSilo();
        // The Orleans dashboard's figures (every grain call is profiled), for a Once.Api started with
        // the same setting to serve.
        if (builder.Configuration.GetValue<bool>("Once:Dashboard"))
        {
            builder.UseOrleans(silo => silo.AddDashboard());
        }

        builder.Services.AddSampleDomains().AddOnceHealth(options).AddOnceMetrics().AddOnceTracing(builder.Configuration);

        var app = builder.BuildOnce();
        app.MapOnceHealth();
        app.MapOnceMetrics();
        await app.RunAsync();
    }),
};
