namespace Once.Abstractions;

/// <summary>
/// One message for one entity, as every ingress channel hands it to the cluster.
/// </summary>
/// <param name="MessageId">The idempotency key: deliveries with the same id are one message.</param>
/// <param name="Entity">The entity the message changes.</param>
/// <param name="MessageType">The message type, such as <c>deposit</c>; the entity type's handler knows it.</param>
/// <param name="Data">The message data as JSON text (an object; <c>{}</c> for messages without data).</param>
/// <param name="ExpectedVersion">When set, the message applies only if the entity is at this version.</param>
/// <param name="ProducedAt">When the producer created the message; lets the entity refuse a message
/// older than its ledger's retained history instead of applying it twice.</param>
[GenerateSerializer, Immutable, Alias("once.MessageEnvelope")]
public sealed record MessageEnvelope(
    [property: Id(0)] MessageId MessageId,
    [property: Id(1)] EntityKey Entity,
    [property: Id(2)] string MessageType,
    [property: Id(3)] string Data,
    [property: Id(4)] long? ExpectedVersion = null,
    [property: Id(5)] DateTimeOffset? ProducedAt = null);
