namespace Once.Grains;

/// <summary>
/// The dead-letter store. Dead letters are rare (a failing handler, a refused outbox message), so one
/// persisted grain holds them; each change is written before it is acknowledged. With a durable stream
/// provider the queue's own dead letters (<see cref="IQueueDeadLetters"/>) are listed, read and removed
/// through it too, so no message the queue gave up on is out of an operator's sight.
/// </summary>
internal sealed class DeadLetterGrain(
    [PersistentState("once-dead-letters", EntityGrainNames.StorageName)] IPersistentState<DeadLetterState> state,
    OnceMetrics metrics,
    IEnumerable<IQueueDeadLetters> queues) : Grain, IDeadLetterGrain
{
    private readonly IQueueDeadLetters? _queue = queues.SingleOrDefault();

    public async Task AddAsync(DeadLetter deadLetter)
    {
        ArgumentNullException.ThrowIfNull(deadLetter);
        state.State.Items.RemoveAll(d => d.Id == deadLetter.Id);
        state.State.Items.Add(deadLetter);
        await state.WriteStateAsync();
        metrics.DeadLettered(deadLetter.Envelope.Entity.Type, deadLetter.Source);
    }

    public async Task<DeadLetterPage> ListAsync(int offset, int limit)
    {
        var own = state.State.Items;
        if (_queue is null)
        {
            return new DeadLetterPage([.. own.Skip(offset).Take(limit)], own.Count);
        }

        // Both lists are oldest first, so the first offset+limit of the merge come from the first
        // offset+limit of each.
        var wanted = (int)Math.Min((long)offset + limit, int.MaxValue);
        var queued = await _queue.ListAsync(wanted);
        return new DeadLetterPage([.. Merge(own, queued.Items).Skip(offset).Take(limit)], own.Count + queued.Total);
    }

    public async Task<DeadLetter?> GetAsync(string id) =>
        state.State.Items.Find(d => d.Id == id) ?? (_queue is null ? null : await _queue.GetAsync(id));

    public async Task<bool> RemoveAsync(string id)
    {
        if (state.State.Items.RemoveAll(d => d.Id == id) == 0)
        {
            return _queue is not null && await _queue.RemoveAsync(id);
        }

        await state.WriteStateAsync();
        return true;
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
