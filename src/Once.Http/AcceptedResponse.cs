using Once.Abstractions;

namespace Once.Http;

/// <summary>The body of <c>202 Accepted</c> from the stream endpoint: where to read the outcome.</summary>
public sealed record AcceptedResponse(string Status, string MessageId, string Outcome);
