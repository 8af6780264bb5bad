using Once.Abstractions;

namespace Once.Grains;

/// <summary>
/// The dead-letter store. With the native PostgreSQL store the dead letters are rows of their own
/// (<see cref="IDeadLetterTable"/>), paged by the database; otherwise, dead letters being rare, one
/// persisted grain state holds them. Either way each change is written before it is acknowledged.
/// With a durable stream provider the queue's own dead letters (<see cref="IQueueDeadLetters"/>) are
/// listed, read and removed through it too, so no message the queue gave up on is out of an
/// operator's sight.
/// </summary>
internal sealed class DeadLetterGrain(
    [PersistentState("once-dead-letters", EntityGrainNames.StorageName)] IPersistentState<DeadLetterState> state,
    OnceMetrics metrics,
    IEnumerable<IQueueDeadLetters> queues,
    IEnumerable<IDeadLetterTable> tables) : Grain, IDeadLetterGrain, IDeadLetterWriterGrain
{
    private readonly IQueueDeadLetters? _queue = queues.SingleOrDefault();
    private readonly IDeadLetterTable? _table = tables.SingleOrDefault();

    /// <summary>Dead letters an older deployment kept in the grain state move into the table, once.</summary>
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (_table is not null && state.State.Items.Count > 0)
        {
            foreach (var deadLetter in state.State.Items)
            {
                await _table.AddAsync(deadLetter);
            }

            state.State.Items.Clear();
            await state.WriteStateAsync(cancellationToken);
        }
    }

    public async Task AddAsync(DeadLetter deadLetter)
    {
        ArgumentNullException.ThrowIfNull(deadLetter);
        if (_table is not null)
        {
            await _table.AddAsync(deadLetter);
        }
        else
        {
            state.State.Items.RemoveAll(d => d.Id == deadLetter.Id);
            state.State.Items.Add(deadLetter);
            await state.WriteStateAsync();
        }

        metrics.DeadLettered(deadLetter.Envelope.Entity.Type, deadLetter.Source);
    }

    public async Task<DeadLetterPage> ListAsync(int offset, int limit)
    {
        if (_queue is null)
        {
            return await OwnAsync(offset, limit);
        }

        // Both lists are oldest first, so the first offset+limit of the merge come from the first
        // offset+limit of each.
        var wanted = (int)Math.Min((long)offset + limit, int.MaxValue);
        var own = await OwnAsync(0, wanted);
        var queued = await _queue.ListAsync(wanted);
        return new DeadLetterPage([.. Merge(own.Items, queued.Items).Skip(offset).Take(limit)], own.Total + queued.Total);
    }

    public async Task<DeadLetter?> GetAsync(string id) =>
        (_table is not null ? await _table.GetAsync(id) : state.State.Items.Find(d => d.Id == id))
        ?? (_queue is null ? null : await _queue.GetAsync(id));

    public async Task<bool> RemoveAsync(string id)
    {
        bool removed;
        if (_table is not null)
        {
            removed = await _table.RemoveAsync(id);
        }
        else
        {
            removed = state.State.Items.RemoveAll(d => d.Id == id) > 0;
            if (removed)
            {
                await state.WriteStateAsync();
            }
        }

        return removed || (_queue is not null && await _queue.RemoveAsync(id));
    }

    private async Task<DeadLetterPage> OwnAsync(int offset, int limit)
    {
        if (_table is not null)
        {
            return await _table.ListAsync(offset, limit);
        }

        var items = state.State.Items;
        return new DeadLetterPage([.. items.Skip(offset).Take(limit)], items.Count);
    }

    /// <summary>Merges two oldest-first lists, keeping each one's own order (ties: the grain's first).</summary>
    private static IEnumerable<DeadLetter> Merge(IReadOnlyList<DeadLetter> own, IReadOnlyList<DeadLetter> queued)
    {
        var (i, j) = (0, 0);
        while (i < own.Count || j < queued.Count)
        {
            yield return j == queued.Count || (i < own.Count && own[i].DeadLetteredAt <= queued[j].DeadLetteredAt) ? own[i++] : queued[j++];
        }
    }
}
