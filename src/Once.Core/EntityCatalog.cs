using System.Text;
using System.Text.Json;
using Once.Abstractions;

namespace Once.Core;

/// <summary>
/// The entity types the cluster knows, and the one place where a message envelope is validated:
/// every ingress channel and the entity grain itself call <see cref="Validate"/>.
/// </summary>
public sealed class EntityCatalog
{
    private readonly Dictionary<EntityTypeName, EntityRegistration> _types = [];

    public EntityCatalog(IEnumerable<EntityRegistration> registrations)
        : this(registrations, new Dictionary<string, DeliveryGuarantee>())
    {
    }

    /// <summary>Builds the catalog, with delivery guarantees set by configuration taking precedence over registration.</summary>
    /// <exception cref="ArgumentException">An override names an entity type that is not registered.</exception>
    public EntityCatalog(IEnumerable<EntityRegistration> registrations, IReadOnlyDictionary<string, DeliveryGuarantee> guarantees)
    {
        ArgumentNullException.ThrowIfNull(registrations);
        ArgumentNullException.ThrowIfNull(guarantees);
        foreach (var registration in registrations)
        {
            var effective = guarantees.TryGetValue(registration.Handler.EntityType.Value, out var guarantee)
                ? registration with { Guarantee = guarantee }
                : registration;
            if (!_types.TryAdd(registration.Handler.EntityType, effective))
            {
                throw new InvalidOperationException($"The entity type '{registration.Handler.EntityType}' is registered twice.");
            }
        }

        foreach (var type in guarantees.Keys)
        {
            if (!EntityTypeName.TryParse(type, out var name, out _) || !_types.ContainsKey(name))
            {
                throw new ArgumentException($"A delivery guarantee is set for '{type}', which is not a registered entity type.", nameof(guarantees));
            }
        }
    }

    public IReadOnlyCollection<EntityTypeName> Types => _types.Keys;

    public bool TryGet(EntityTypeName type, out EntityRegistration registration) =>
        _types.TryGetValue(type, out registration!);

    /// <summary>
    /// Validates an envelope without looking at any entity state, and computes what the entity needs
    /// to decide it: the handler's parsed data, the canonical data and the fingerprint. The entity
    /// does this once per message; an ingress that only refuses bad input calls <see cref="Check"/>.
    /// </summary>
    public bool Validate(MessageEnvelope envelope, out ValidatedMessage? message, out MessageError? error)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        message = null;
        if (!CheckEnvelope(envelope, out var registration, out error))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(envelope.Data);
            // Canonicalising refuses duplicate members and numbers out of range (it throws).
            var canonical = CanonicalJson.Canonicalize(document.RootElement);
            if (!CheckData(envelope, registration, document.RootElement, out var parsed, out error))
            {
                return false;
            }

            message = new ValidatedMessage(
                envelope,
                registration,
                parsed,
                canonical,
                Fingerprint.Compute(envelope.MessageType, canonical, envelope.ExpectedVersion));
            return true;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            error = NotJson(e);
            return false;
        }
    }

    /// <summary>
    /// The refusals of <see cref="Validate"/>, word for word, without computing the canonical data and
    /// the fingerprint: for an ingress that turns bad input away before the message travels on.
    /// </summary>
    public bool Check(MessageEnvelope envelope, out MessageError? error)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        if (!CheckEnvelope(envelope, out var registration, out error))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(envelope.Data);
            return CheckParsed(envelope, registration, document.RootElement, out error);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            error = NotJson(e);
            return false;
        }
    }

    /// <summary>Validate's checks of parsed data without its results; throws where canonicalising would.</summary>
    private static bool CheckParsed(MessageEnvelope envelope, EntityRegistration registration, JsonElement data, out MessageError? error)
    {
        CanonicalJson.CheckCanonicalizable(data);
        return CheckData(envelope, registration, data, out _, out error);
    }

    private bool CheckEnvelope(MessageEnvelope envelope, out EntityRegistration registration, out MessageError? error)
    {
        registration = null!;
        if (envelope.MessageId.Value is null || envelope.Entity.Type.Value is null || envelope.Entity.Id.Value is null
            || string.IsNullOrEmpty(envelope.MessageType) || envelope.Data is null)
        {
            error = new MessageError(MessageErrors.InvalidEnvelope, "A message needs an id, an entity, a message type and data.");
            return false;
        }

        if (envelope.ExpectedVersion is < 0)
        {
            error = new MessageError(MessageErrors.InvalidEnvelope, "The expected version must not be negative.");
            return false;
        }

        if (!_types.TryGetValue(envelope.Entity.Type, out registration!))
        {
            error = new MessageError(MessageErrors.UnknownEntityType, $"There is no entity type '{envelope.Entity.Type}'.");
            return false;
        }

        if (Encoding.UTF8.GetByteCount(envelope.Data) > MessageLimits.MaxDataBytes)
        {
            error = new MessageError(MessageErrors.InvalidData, $"The data is larger than {MessageLimits.MaxDataBytes} bytes.");
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>The checks of parsed data (duplicate members aside): exact numbers, then the handler's own.</summary>
    private static bool CheckData(MessageEnvelope envelope, EntityRegistration registration, JsonElement data, out object? parsed, out MessageError? error)
    {
        parsed = null;
        if (CanonicalJson.FindInexactDecimal(data) is { } inexact)
        {
            error = new MessageError(
                MessageErrors.InvalidData,
                $"The number {inexact} cannot be held exactly; numbers in message data may have at most 28 significant digits and magnitude below 7.9e28.");
            return false;
        }

        return registration.Handler.TryParse(envelope.MessageType, data, out parsed, out error);
    }

    // InvalidOperationException: a string holding a lone surrogate ("\ud800") has no text value.
    private static MessageError NotJson(Exception e) => new(MessageErrors.InvalidData, $"The data is not valid JSON: {e.Message}");
}
