namespace Once.Hosting;

/// <summary>Where a silo activates an entity that is not active anywhere (<c>Once:Placement</c>).</summary>
public enum PlacementKind
{
    /// <summary>
    /// On the silo whose gateway or stream agent sent the first call. A client sends every call for
    /// one entity through the same gateway, so its calls then reach the entity without a second hop
    /// between silos. Clients spread entities over gateways, so entities spread over silos.
    /// </summary>
    PreferLocal,

    /// <summary>On the silo with the most spare CPU and memory (Orleans' own default).</summary>
    ResourceOptimized,

    /// <summary>On a silo chosen at random.</summary>
    Random,
}
