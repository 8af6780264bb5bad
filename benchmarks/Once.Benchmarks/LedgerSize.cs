using System.Globalization;
using System.Text;
using System.Text.Json;
using Once.Core;

namespace Once.Benchmarks;

/// <summary>
/// What one remembered message id costs at the default retention (1000 ids per entity), in memory
/// and in storage. Entities are made by running real deposits through the core, stored as JSON,
/// then loaded back the way an activation loads them: deserialize the state, build the record.
/// </summary>
/// <param name="Entities">How many full entities were measured.</param>
/// <param name="IdsPerEntity">Ledger entries per entity.</param>
/// <param name="StateHeapBytesPerId">Live heap of the loaded states (ledger list, entries, strings, outcomes) per id.</param>
/// <param name="IndexHeapBytesPerId">Live heap of the records' lookup index per id.</param>
/// <param name="StoredBytesPerId">UTF-8 JSON of the state (default System.Text.Json options) per id.</param>
/// <param name="StoredBytesPerEntity">UTF-8 JSON of one whole state: what each commit writes.</param>
internal sealed record LedgerSize(
    int Entities,
    int IdsPerEntity,
    double StateHeapBytesPerId,
    double IndexHeapBytesPerId,
    double StoredBytesPerId,
    double StoredBytesPerEntity)
{
    private const int EntityCount = 10;

    public double HeapBytesPerId => StateHeapBytesPerId + IndexHeapBytesPerId;

    public static LedgerSize Measure()
    {
        var accounts = new Accounts();
        var stored = new byte[EntityCount][];
        var ids = 0;
        for (var i = 0; i < EntityCount; i++)
        {
            var entity = accounts.FullEntity($"a{i}");
            stored[i] = JsonSerializer.SerializeToUtf8Bytes(entity.State);
            ids += entity.LedgerCount;
        }

        // Warm up the deserializer so its caches are not counted as ledger memory.
        var warm = new EntityRecord(Load(stored[0]));
        GC.KeepAlive(warm);

        var states = new EntityState[EntityCount];
        var records = new EntityRecord[EntityCount];
        var before = GC.GetTotalMemory(forceFullCollection: true);
        for (var i = 0; i < EntityCount; i++)
        {
            states[i] = Load(stored[i]);
        }

        var afterStates = GC.GetTotalMemory(forceFullCollection: true);
        for (var i = 0; i < EntityCount; i++)
        {
            records[i] = new EntityRecord(states[i]);
        }

        var afterRecords = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(states);
        GC.KeepAlive(records);

        var storedBytes = stored.Sum(s => (long)s.Length);
        return new LedgerSize(
            EntityCount,
            ids / EntityCount,
            (afterStates - before) / (double)ids,
            (afterRecords - afterStates) / (double)ids,
            storedBytes / (double)ids,
            storedBytes / (double)EntityCount);
    }

    public string ToMarkdown()
    {
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.AppendLine("## Bytes per remembered message id (default retention: 1000 ids, 7 days)");
        text.AppendLine();
        text.AppendLine(c, $"{Entities} account entities, {IdsPerEntity} ledger entries each (36-character GUID ids, deposits).");
        text.AppendLine();
        text.AppendLine("| Measure | Bytes per id |");
        text.AppendLine("| --- | ---: |");
        text.AppendLine(c, $"| Managed heap, total (state + index) | {HeapBytesPerId:F0} |");
        text.AppendLine(c, $"| - ledger in EntityState (list, entries, ids, fingerprints, outcomes) | {StateHeapBytesPerId:F0} |");
        text.AppendLine(c, $"| - EntityRecord lookup index (Dictionary) | {IndexHeapBytesPerId:F0} |");
        text.AppendLine(c, $"| Stored, System.Text.Json UTF-8 | {StoredBytesPerId:F0} |");
        text.AppendLine();
        text.AppendLine(c, $"One full entity serializes to {StoredBytesPerEntity / 1024:F1} KiB; the grain rewrites all of it on every commit.");
        return text.ToString();
    }

    private static EntityState Load(byte[] json) =>
        JsonSerializer.Deserialize<EntityState>(json) ?? throw new InvalidOperationException("A stored state read back as null.");
}
