namespace Once.Grains;

/// <summary>The storage names the entity grain uses; hosts configure a storage provider by this name.</summary>
public static class EntityGrainNames
{
    /// <summary>The grain storage provider every Once silo configures.</summary>
    public const string StorageName = "once";

    /// <summary>The state name, unique to the entity grain type (the storage row key does not hold the grain type).</summary>
    public const string StateName = "once-entity";
}
