using System.Text.Json;

namespace Once.Http;

/// <summary>The body of <c>GET /v1/entities/{type}/{id}</c>.</summary>
public sealed record EntityResponse(string Type, string Id, long Version, JsonElement State);
