using Once.Abstractions;

namespace Once.Client;

/// <summary>
/// The answer to a publish: enqueued (the outcome is then read with <c>GetOutcomeAsync</c>), or
/// refused at ingress because the message is invalid (then nothing entered the stream).
/// </summary>
public sealed record PublishResult(bool Accepted, MessageError? Error)
{
    public static PublishResult Enqueued { get; } = new(true, null);

    public static PublishResult Invalid(MessageError error) => new(false, error);
}
