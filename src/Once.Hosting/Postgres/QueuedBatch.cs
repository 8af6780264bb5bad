namespace Once.Hosting.Postgres;

/// <summary>
/// How a row of the ADO.NET stream queue is read back: its payload is the provider's batch container
/// (<c>Orleans.Streaming.AdoNet.AdoNetBatchContainer</c>, internal to the package) written by the
/// typed Orleans serializer, so no type name precedes it and a type with the same field ids reads it.
/// Only the events (field 1) are needed; the other fields (stream id, sequence token, receipt) are
/// skipped as unknown. The container's own GetEvents cannot be used: it refuses a container without
/// the sequence token that only the provider's receiver sets.
/// </summary>
[GenerateSerializer, Alias("once.QueuedBatch")]
internal sealed class QueuedBatch
{
    [Id(1)]
    public List<object>? Events { get; set; }
}
