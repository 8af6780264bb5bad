namespace Once.Abstractions;

/// <summary>What a client must know of the cluster's own settings to work with it (any key; one activation per silo).</summary>
[Alias("once.IClusterSettingsGrain")]
public interface IClusterSettingsGrain : IGrainWithIntegerKey
{
    /// <summary>The silos' entity stream settings.</summary>
    [Alias("GetStreamSettings")]
    Task<StreamSettings> GetStreamSettingsAsync();
}
