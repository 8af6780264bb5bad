using Once.Hosting.Postgres;
using Orleans.Streams;

namespace Once.Postgres.Tests;

/// <summary>Empty queues are read less and less often, and at full speed again once messages come.</summary>
public sealed class QuietQueueTests
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);

    [Fact]
    public async Task EmptyQueue_ReadsBackOffToTheIdleInterval_MessagesBringFullSpeedBack()
    {
        var (time, queue, receiver) = await ReceiverAsync();

        // The pulling agent asks every poll interval for 10 s of an idle queue.
        for (var i = 0; i < 50; i++)
        {
            await receiver.GetQueueMessagesAsync(10, CancellationToken.None);
            time.Advance(Poll);
        }

        var idleReads = queue.Reads;
        queue.Pending = 5;
        time.Advance(TimeSpan.FromSeconds(1));
        var delivered = await receiver.GetQueueMessagesAsync(10, CancellationToken.None);
        var busyReadsBefore = queue.Reads;
        for (var i = 0; i < 10; i++)
        {
            queue.Pending = 1;
            await receiver.GetQueueMessagesAsync(10, CancellationToken.None);
            time.Advance(Poll);
        }

        // Unwrapped, the agent would have read 50 times; backed off, about once a second.
        Assert.InRange(idleReads, 10, 16);
        Assert.Equal(5, delivered.Count);
        Assert.Equal(10, queue.Reads - busyReadsBefore);
    }

    /// <summary>
    /// The agent's next tick after an empty read comes one poll interval after the read began, give or
    /// take a millisecond: it reads (the pause must not cost a second interval), an earlier ask does not.
    /// </summary>
    [Theory]
    [InlineData(200, true)]
    [InlineData(198, true)]
    [InlineData(100, false)]
    public async Task TickOnePollIntervalAfterAnEmptyRead_Reads(int afterMs, bool reads)
    {
        var (time, queue, receiver) = await ReceiverAsync();
        queue.ReadTakes = TimeSpan.FromMilliseconds(30);
        await receiver.GetQueueMessagesAsync(10, CancellationToken.None);
        var first = time.GetUtcNow() - queue.ReadTakes;

        time.Advance(first + TimeSpan.FromMilliseconds(afterMs) - time.GetUtcNow());
        await receiver.GetQueueMessagesAsync(10, CancellationToken.None);

        Assert.Equal(reads ? 2 : 1, queue.Reads);
    }

    private static async Task<(SteppedTime Time, CountingReceiver Queue, IQueueAdapterReceiver Receiver)> ReceiverAsync()
    {
        var time = new SteppedTime();
        var queue = new CountingReceiver(time);
        var factory = new QuietQueueAdapterFactory(new Factory(queue), Poll, TimeSpan.FromSeconds(1), time);
        return (time, queue, (await factory.CreateAdapter(CancellationToken.None)).CreateReceiver(QueueId.GetQueueId("q", 0, 0)));
    }

    private sealed class SteppedTime : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }

    /// <summary>A queue that counts its reads; each read takes <see cref="ReadTakes"/> of the stepped time.</summary>
    private sealed class CountingReceiver(SteppedTime time) : IQueueAdapterReceiver
    {
        public int Reads { get; private set; }

        public int Pending { get; set; }

        public TimeSpan ReadTakes { get; set; }

        public Task Initialize(TimeSpan timeout) => Task.CompletedTask;

        public Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount)
        {
            Reads++;
            time.Advance(ReadTakes);
            IList<IBatchContainer> batch = [.. Enumerable.Range(0, Pending).Select(_ => (IBatchContainer)null!)];
            Pending = 0;
            return Task.FromResult(batch);
        }

        public Task MessagesDeliveredAsync(IList<IBatchContainer> messages) => Task.CompletedTask;

        public Task Shutdown(TimeSpan timeout) => Task.CompletedTask;
    }

    private sealed class Factory(IQueueAdapterReceiver receiver) : IQueueAdapterFactory
    {
        public Task<IQueueAdapter> CreateAdapter() => Task.FromResult<IQueueAdapter>(new Adapter(receiver));

        public IQueueAdapterCache GetQueueAdapterCache() => throw new NotSupportedException();

        public IStreamQueueMapper GetStreamQueueMapper() => throw new NotSupportedException();

        public Task<IStreamFailureHandler> GetDeliveryFailureHandler(QueueId queueId) => throw new NotSupportedException();
    }

    private sealed class Adapter(IQueueAdapterReceiver receiver) : IQueueAdapter
    {
        public string Name => "q";

        public bool IsRewindable => false;

        public StreamProviderDirection Direction => StreamProviderDirection.ReadWrite;

        public Task QueueMessageBatchAsync<T>(StreamId streamId, IEnumerable<T> events, StreamSequenceToken? token, Dictionary<string, object>? requestContext) =>
            Task.CompletedTask;

        public IQueueAdapterReceiver CreateReceiver(QueueId queueId) => receiver;
    }
}
