namespace Once.Core;

/// <summary>How an entity type treats redelivered messages.</summary>
public enum DeliveryGuarantee
{
    /// <summary>Every message id is applied at most once and its outcome replayed to later deliveries. The default.</summary>
    ExactlyOnce = 0,

    /// <summary>No ledger: every delivery is applied again, duplicates included. For comparison and
    /// for the negative controls of the fault tests.</summary>
    AtLeastOnce = 1,

    /// <summary>No ledger, and the acknowledgement does not wait for the outcome: a message whose
    /// processing fails (a lost write, a crash) is acknowledged anyway and never retried, so it is lost.</summary>
    AtMostOnce = 2,
}
