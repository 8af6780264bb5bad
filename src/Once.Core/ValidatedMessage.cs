using Once.Abstractions;

namespace Once.Core;

/// <summary>A message that passed validation: its handler's parsed form, canonical data and fingerprint.</summary>
public sealed record ValidatedMessage(
    MessageEnvelope Envelope,
    EntityRegistration Registration,
    object? Parsed,
    string CanonicalData,
    string Fingerprint);
