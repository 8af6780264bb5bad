using Once.Abstractions;

namespace Once.Grains;

/// <summary>
/// What a call to a Once grain may throw back to its caller: a failure of the storage or the network
/// becomes <see cref="EntityStoreUnavailableException"/> (outcome unknown, send again with the same
/// id), and any other error Orleans could not carry becomes <see cref="EntityProcessingException"/>.
/// Orleans serialises exceptions of its own and of System/Microsoft types only: a storage driver's
/// exception (Npgsql's), alone or inside Orleans' storage error, reached callers as a
/// CodecNotFoundException, which told them neither what happened nor that a retry is safe.
/// </summary>
public sealed class CallErrorFilter : IIncomingGrainCallFilter
{
    private static readonly string[] CarriedNamespaces = ["System", "Microsoft", "Orleans"];

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (Exception e) when (context.TargetContext.GrainInstance?.GetType().Assembly == typeof(CallErrorFilter).Assembly
            && Translate(e) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>The exception to throw instead of <paramref name="exception"/>; null to let it pass as it is.</summary>
    internal static Exception? Translate(Exception exception)
    {
        if (exception is EntityStoreUnavailableException { InnerException: null })
        {
            return null;
        }

        if (StorageFailures.LeaveOutcomeUnknown(exception))
        {
            return new EntityStoreUnavailableException(
                $"The storage or the network failed, so the outcome is unknown; send the message again with the same id: {exception.GetBaseException().Message}");
        }

        return StorageFailures.Chain(exception).All(CanBeCarried)
            ? null
            : new EntityProcessingException($"{exception.GetBaseException().GetType().Name}: {exception.GetBaseException().Message}");
    }

    private static bool CanBeCarried(Exception exception)
    {
        var type = exception.GetType();
        return type.IsDefined(typeof(GenerateSerializerAttribute), inherit: false)
            || CarriedNamespaces.Any(ns => type.Namespace is { } name && (name == ns || name.StartsWith(ns + ".", StringComparison.Ordinal)));
    }
}
