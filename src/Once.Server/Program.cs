using Once;
using Once.Hosting;
using Once.Http;
using Once.Samples;

// Development server: one process with a silo (localhost clustering, in-memory storage) and the HTTP API.
var builder = WebApplication.CreateBuilder(args);
if (string.IsNullOrEmpty(builder.Configuration["urls"]))
{
    builder.WebHost.UseUrls("http://localhost:5080");
}

builder.AddOnceDevelopmentSilo();
builder.Services.AddSampleDomains();
builder.Services.AddOnceHttp();

var app = builder.Build();
app.UseOnceHttp();
app.Run();
