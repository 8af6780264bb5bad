using Orleans.Streams;

namespace Once.Hosting.Postgres;

/// <summary>
/// Wraps the ADO.NET queue adapter so that a queue found empty is not read again at once: every silo's
/// pulling agent asks each queue it owns for messages every poll interval, which on an idle cluster is
/// a steady stream of statements and CPU for nothing. After an empty read the receiver answers
/// "nothing" without a query for one poll interval, doubling after each further empty read up to the
/// configured idle interval; a read that returns messages brings it back to full speed. Messages are
/// never lost by this: they wait in the queue, at most one idle interval longer.
/// </summary>
internal sealed class QuietQueueAdapterFactory(IQueueAdapterFactory inner, TimeSpan poll, TimeSpan idlePoll, TimeProvider time) : IQueueAdapterFactory
{
    [Obsolete("Use the overload which accepts a CancellationToken.")]
    public Task<IQueueAdapter> CreateAdapter() => CreateAdapter(CancellationToken.None);

    public async Task<IQueueAdapter> CreateAdapter(CancellationToken cancellationToken) =>
        new Adapter(await inner.CreateAdapter(cancellationToken), poll, idlePoll, time);

    public IQueueAdapterCache GetQueueAdapterCache() => inner.GetQueueAdapterCache();

    public IStreamQueueMapper GetStreamQueueMapper() => inner.GetStreamQueueMapper();

    public Task<IStreamFailureHandler> GetDeliveryFailureHandler(QueueId queueId) => inner.GetDeliveryFailureHandler(queueId);

    private sealed class Adapter(IQueueAdapter inner, TimeSpan poll, TimeSpan idlePoll, TimeProvider time) : IQueueAdapter
    {
        public string Name => inner.Name;

        public bool IsRewindable => inner.IsRewindable;

        public StreamProviderDirection Direction => inner.Direction;

        public Task QueueMessageBatchAsync<T>(StreamId streamId, IEnumerable<T> events, StreamSequenceToken? token, Dictionary<string, object>? requestContext) =>
            inner.QueueMessageBatchAsync(streamId, events, token, requestContext);

        public IQueueAdapterReceiver CreateReceiver(QueueId queueId) => new Receiver(inner.CreateReceiver(queueId), poll, idlePoll, time);
    }

    private sealed class Receiver(IQueueAdapterReceiver inner, TimeSpan poll, TimeSpan idlePoll, TimeProvider time) : IQueueAdapterReceiver
    {
        /// <summary>
        /// How early an agent's tick may come and still count as the one a pause waits for: timers
        /// fire to the millisecond, so a tick one poll interval after an empty read can land just
        /// before the pause ends, and would otherwise wait one more interval.
        /// </summary>
        private static readonly TimeSpan TickJitter = TimeSpan.FromMilliseconds(5);
        private TimeSpan _pause = TimeSpan.Zero;
        private DateTimeOffset _nextRead = DateTimeOffset.MinValue;

        public Task Initialize(TimeSpan timeout) => inner.Initialize(timeout);

        public Task Initialize(TimeSpan timeout, CancellationToken cancellationToken) => inner.Initialize(timeout, cancellationToken);

        [Obsolete("Use the overload which accepts a CancellationToken.")]
        public Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount) => GetQueueMessagesAsync(maxCount, CancellationToken.None);

        public Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount, CancellationToken cancellationToken) =>
            ReadAsync(() => inner.GetQueueMessagesAsync(maxCount, cancellationToken));

        [Obsolete("Use the overload which accepts a CancellationToken.")]
        public Task MessagesDeliveredAsync(IList<IBatchContainer> messages) => MessagesDeliveredAsync(messages, CancellationToken.None);

        public Task MessagesDeliveredAsync(IList<IBatchContainer> messages, CancellationToken cancellationToken) =>
            inner.MessagesDeliveredAsync(messages, cancellationToken);

        public Task Shutdown(TimeSpan timeout) => inner.Shutdown(timeout);

        public Task Shutdown(TimeSpan timeout, CancellationToken cancellationToken) => inner.Shutdown(timeout, cancellationToken);

        private async Task<IList<IBatchContainer>> ReadAsync(Func<Task<IList<IBatchContainer>>> read)
        {
            // The pause is counted from the start of a read, as the agent's ticks are.
            var now = time.GetUtcNow();
            if (now + TickJitter < _nextRead)
            {
                return [];
            }

            var messages = await read();
            if (messages is { Count: > 0 })
            {
                _pause = TimeSpan.Zero;
                _nextRead = DateTimeOffset.MinValue;
            }
            else
            {
                _pause = _pause == TimeSpan.Zero ? poll : TimeSpan.FromTicks(Math.Min(_pause.Ticks * 2, idlePoll.Ticks));
                _nextRead = now + _pause;
            }

            return messages ?? [];
        }
    }
}
