using Once.Abstractions;
using Orleans.Concurrency;

namespace Once.Grains;

/// <summary>Answers with this silo's settings, registered by the stream provider's configuration.</summary>
[StatelessWorker]
internal sealed class ClusterSettingsGrain(StreamSettings streams) : Grain, IClusterSettingsGrain
{
    public Task<StreamSettings> GetStreamSettingsAsync() => Task.FromResult(streams);
}
