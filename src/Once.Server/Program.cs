using Once;
using Once.Hosting;
using Once.Http;
using Once.Samples;

// Development server: a silo and the HTTP API in one process. Memory storage and localhost clustering
// unless configured otherwise (Once__Storage=Postgres ONCE_POSTGRES=... makes it durable).
return await OnceHost.RunAsync(async () =>
{
    var builder = OnceHost.CreateBuilder(args);
    builder.UseDefaultUrl("http://localhost:5080");

    builder.AddOnceSilo();
    builder.Services.AddSampleDomains();
    builder.Services.AddOnceHttp();

    var app = builder.Build();
    app.UseOnceHttp();
    app.MapOnceHealth();
    app.MapOnceMetrics();
    await app.RunAsync();
});
