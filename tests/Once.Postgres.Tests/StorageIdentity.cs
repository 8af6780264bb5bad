using System.Text;

namespace Once.Postgres.Tests;

/// <summary>
/// The seven identity values the persistence provider binds on every call. The hash values are bound
/// like the provider binds them even though our queries do not use them.
/// </summary>
internal sealed record StorageIdentity(string ServiceId, string StateName, long N0, long N1, string? Extension)
{
    /// <summary>A string-keyed grain, as every Once entity is: N0 = N1 = 0 and the whole key as extension.</summary>
    public static StorageIdentity StringKey(string serviceId, string stateName, string key) => new(serviceId, stateName, 0, 0, key);

    public Param[] Parameters(int? expectedVersion = null, byte[]? payload = null)
    {
        var parameters = new List<Param>
        {
            Param.Text("ServiceId", ServiceId),
            Param.Text("GrainTypeString", StateName),
            Param.Long("GrainIdN0", N0),
            Param.Long("GrainIdN1", N1),
            Param.Text("GrainIdExtensionString", Extension),
            Param.Int("GrainIdHash", HashCode.Combine(N0, N1, Extension)),
            Param.Int("GrainTypeHash", StateName.Length),
            Param.Int("GrainStateVersion", expectedVersion),
        };
        if (payload is not null)
        {
            parameters.Add(Param.Bytes("PayloadBinary", payload));
        }

        return [.. parameters];
    }

    public static byte[] Json(string json) => Encoding.UTF8.GetBytes(json);
}
