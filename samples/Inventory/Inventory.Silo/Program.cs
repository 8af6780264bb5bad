using Inventory.Domain;
using Microsoft.Extensions.Hosting;
using Once.Core;
using Once.Hosting;

// A silo of our own: Once's entity grains with our entity type. Storage, clustering, streams and
// ports come from the configuration section "Once" (appsettings.json, Once__* variables, --Once:*).
var builder = Host.CreateApplicationBuilder(args);
builder.AddOnceSilo();
builder.Services.AddOnceEntityType(new StockHandler());
await builder.Build().RunAsync();
