namespace Once.Grains;

/// <summary>
/// The dead-letter store. Dead letters are rare (a failing handler, a refused outbox message), so one
/// persisted grain holds them; each change is written before it is acknowledged.
/// </summary>
internal sealed class DeadLetterGrain(
    [PersistentState("once-dead-letters", EntityGrainNames.StorageName)] IPersistentState<DeadLetterState> state,
    OnceMetrics metrics) : Grain, IDeadLetterGrain
{
    public async Task AddAsync(DeadLetter deadLetter)
    {
        ArgumentNullException.ThrowIfNull(deadLetter);
        state.State.Items.RemoveAll(d => d.Id == deadLetter.Id);
        state.State.Items.Add(deadLetter);
        await state.WriteStateAsync();
        metrics.DeadLettered(deadLetter.Envelope.Entity.Type, deadLetter.Source);
    }

    public Task<DeadLetterPage> ListAsync(int offset, int limit) =>
        Task.FromResult(new DeadLetterPage([.. state.State.Items.Skip(offset).Take(limit)], state.State.Items.Count));

    public Task<DeadLetter?> GetAsync(string id) => Task.FromResult(state.State.Items.Find(d => d.Id == id));

    public async Task<bool> RemoveAsync(string id)
    {
        if (state.State.Items.RemoveAll(d => d.Id == id) == 0)
        {
            return false;
        }

        await state.WriteStateAsync();
        return true;
    }
}
