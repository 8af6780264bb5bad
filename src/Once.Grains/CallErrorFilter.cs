using System.Data.Common;
using System.Net.Sockets;

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

        if (IsStorageOrTransportFailure(exception))
        {
            return new EntityStoreUnavailableException(
                $"The storage or the network failed, so the outcome is unknown; send the message again with the same id: {exception.GetBaseException().Message}");
        }

        return Chain(exception).All(CanBeCarried)
            ? null
            : new EntityProcessingException($"{exception.GetBaseException().GetType().Name}: {exception.GetBaseException().Message}");
    }

    /// <summary>A database, socket, I/O or time-out error anywhere in the chain: the outcome of a write is unknown.</summary>
    internal static bool IsStorageOrTransportFailure(Exception exception) =>
        Chain(exception).Any(e => e is DbException or SocketException or IOException or TimeoutException or EntityStoreUnavailableException);

    private static bool CanBeCarried(Exception exception)
    {
        var type = exception.GetType();
        return type.IsDefined(typeof(GenerateSerializerAttribute), inherit: false)
            || CarriedNamespaces.Any(ns => type.Namespace is { } name && (name == ns || name.StartsWith(ns + ".", StringComparison.Ordinal)));
    }

    private static IEnumerable<Exception> Chain(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            yield return e;
            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.Skip(1).SelectMany(Chain))
                {
                    yield return inner;
                }
            }
        }
    }
}
