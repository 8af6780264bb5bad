using Once.Abstractions;

namespace Once.Grains;

/// <summary>
/// How silos set messages aside in the dead-letter store (the grain behind <see cref="IDeadLetterGrain"/>).
/// Internal: a dead letter may hold an HTTP effect, which a requeue sends, so no caller outside the
/// silos may write one.
/// </summary>
[Alias("once.IDeadLetterWriterGrain")]
internal interface IDeadLetterWriterGrain : IGrainWithStringKey
{
    /// <summary>Sets a message aside; the same message set aside again replaces the earlier entry.</summary>
    [Alias("Add")]
    Task AddAsync(DeadLetter deadLetter);
}
