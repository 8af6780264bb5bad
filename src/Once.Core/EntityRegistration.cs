namespace Once.Core;

/// <summary>An entity type known to the cluster: its handler and its delivery guarantee.</summary>
public sealed record EntityRegistration(IEntityHandler Handler, DeliveryGuarantee Guarantee = DeliveryGuarantee.ExactlyOnce)
{
    public bool Deduplicates => Guarantee == DeliveryGuarantee.ExactlyOnce;
}
