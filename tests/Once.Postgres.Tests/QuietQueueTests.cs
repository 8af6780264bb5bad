using Once.Hosting.Postgres;
using Orleans.Streams;

namespace Once.Postgres.Tests;

/// <summary>Empty queues are read less and less often, and at full speed again once messages come.</summary>
public sealed class QuietQueueTests
{
    [Fact]
    public async Task EmptyQueue_ReadsBackOffToTheIdleInterval_MessagesBringFullSpeedBack()
    {
        var time = new SteppedTime();
        var queue = new CountingReceiver();
        var factory = new QuietQueueAdapterFactory(new Factory(queue), TimeSpan.FromSeconds(1), time);
        var receiver = (await factory.CreateAdapter(CancellationToken.None)).CreateReceiver(QueueId.GetQueueId("q", 0, 0));

        // The pulling agent asks every 100 ms for 10 s of an idle queue.
        for (var i = 0; i < 100; i++)
        {
            await receiver.GetQueueMessagesAsync(10, CancellationToken.None);
            time.Advance(TimeSpan.FromMilliseconds(100));
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
            time.Advance(TimeSpan.FromMilliseconds(100));
        }

        // Unwrapped, the agent would have read 100 times; backed off, about once a second.
        Assert.InRange(idleReads, 10, 16);
        Assert.Equal(5, delivered.Count);
        Assert.Equal(10, queue.Reads - busyReadsBefore);
    }

    private sealed class SteppedTime : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }

    private sealed class CountingReceiver : IQueueAdapterReceiver
    {
        public int Reads { get; private set; }

        public int Pending { get; set; }

        public Task Initialize(TimeSpan timeout) => Task.CompletedTask;

        public Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount)
        {
            Reads++;
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
