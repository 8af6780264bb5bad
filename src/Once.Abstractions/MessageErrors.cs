namespace Once.Abstractions;

/// <summary>The codes of invalid-message errors. Clients may rely on them.</summary>
public static class MessageErrors
{
    public const string UnknownEntityType = "unknown-entity-type";
    public const string UnknownMessageType = "unknown-message-type";
    public const string InvalidData = "invalid-data";
    public const string InvalidEnvelope = "invalid-envelope";
    public const string WrongEntity = "wrong-entity";
    public const string ProducedInFuture = "produced-in-future";
}
