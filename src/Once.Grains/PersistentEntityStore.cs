using Once.Abstractions;
using Once.Core;
using Orleans.Storage;

namespace Once.Grains;

/// <summary>
/// <see cref="IEntityStore"/> over Orleans grain persistence: the whole <see cref="EntityState"/> is
/// one storage row, so state, version and ledger are written together, and the storage ETag fences
/// writes from a stale activation. A ledger floor stored too far ahead is capped when loaded
/// (<see cref="ProducerTime.CapFloor"/>); the next write, which carries the whole state, stores the cap.
/// </summary>
internal sealed class PersistentEntityStore(IPersistentState<EntityState> state, TimeSpan maxFutureSkew, TimeProvider time) : IEntityStore
{
    private EntityRecord? _current;
    private bool _reloadNeeded;

    public EntityRecord Current => _current ?? throw new InvalidOperationException("The entity is not loaded.");

    public bool IsLoaded => _current is not null;

    public async Task EnsureLoadedAsync()
    {
        if (_current is null)
        {
            // Orleans reads the state on activation; a reload is needed only after a failed commit,
            // when memory may hold a change that storage does not (or does) have.
            if (_reloadNeeded)
            {
                await state.ReadStateAsync();
            }

            state.State ??= new EntityState();
            state.State.LedgerFloor = ProducerTime.CapFloor(state.State.LedgerFloor, time.GetUtcNow(), maxFutureSkew);

            _current = new EntityRecord(state.State);
            _reloadNeeded = false;
        }
    }

    /// <summary>The whole ledger is in memory: nothing to read.</summary>
    public ValueTask FindEntryAsync(string messageId) => ValueTask.CompletedTask;

    public void Reset() => Invalidate();

    /// <summary>
    /// Copy-on-write: the changes are applied to a copy of the state, which becomes what Orleans
    /// writes; <see cref="Current"/> moves to it only once the write succeeded, so a reader never sees
    /// a change that is not durable. The copy costs what the write costs anyway: the whole ledger.
    /// </summary>
    public async Task CommitAsync(IReadOnlyList<EntityChange> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var next = Current.Fork();
        foreach (var change in changes)
        {
            if (change.Added is { } added && next.TryGetEntry(added.MessageId, out _))
            {
                // The row holds the whole ledger, so this store is the one that refuses a second record of an id.
                throw new InvalidOperationException($"The ledger already holds message {added.MessageId}; a second record of it is refused.");
            }

            next.Apply(change);
        }

        state.State = next.State;
        try
        {
            await state.WriteStateAsync();
        }
        catch (InconsistentStateException e)
        {
            Invalidate();
            throw new StaleWriteException("Another activation of this entity committed first.", e);
        }
        catch
        {
            Invalidate();
            throw;
        }

        _current = next;
    }

    private void Invalidate()
    {
        _current = null;
        _reloadNeeded = true;
    }
}
