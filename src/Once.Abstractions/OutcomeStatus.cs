namespace Once.Abstractions;

/// <summary>What became of a message.</summary>
public enum OutcomeStatus
{
    /// <summary>The message changed the entity; its version went up by one.</summary>
    Applied = 0,

    /// <summary>The message was accepted but left the state as it was (natural idempotency).</summary>
    Unchanged = 1,

    /// <summary>The handler refused the message for a business reason (see the outcome's reason).</summary>
    Rejected = 2,

    /// <summary>The message expected another version than the entity had; nothing changed.</summary>
    VersionConflict = 3,

    /// <summary>The message id was already used for a message with other content; nothing changed.
    /// Not recorded: the first message keeps the id.</summary>
    PayloadMismatch = 4,

    /// <summary>The message is malformed (unknown type, bad data); nothing changed, nothing recorded.</summary>
    Invalid = 5,

    /// <summary>The message was produced before the oldest history the entity's ledger still holds,
    /// so it cannot be told apart from an already processed message; refused, nothing recorded.</summary>
    Expired = 6,

    /// <summary>Acknowledged without an outcome (entity types with the at-most-once guarantee): the
    /// message may or may not have been applied.</summary>
    Accepted = 7,
}
