namespace Once;

/// <summary>How an entity type treats redelivered messages.</summary>
public enum DeliveryGuarantee
{
    /// <summary>Every message id is applied at most once and its outcome replayed to later deliveries. The default.</summary>
    ExactlyOnce = 0,

    /// <summary>No ledger: every delivery is applied again, duplicates included. For comparison and
    /// for the negative controls of the fault tests.</summary>
    AtLeastOnce = 1,
}
