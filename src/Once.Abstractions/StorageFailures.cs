using System.Data.Common;
using System.Net.Sockets;

namespace Once.Abstractions;

/// <summary>Which errors leave the outcome of a write unknown: the database or the network failed, not the message.</summary>
public static class StorageFailures
{
    /// <summary>A database, socket, I/O or time-out error, or an unavailable store, anywhere in the exception's chain.</summary>
    public static bool LeaveOutcomeUnknown(Exception exception) =>
        Chain(exception).Any(e => e is DbException or SocketException or IOException or TimeoutException or EntityStoreUnavailableException);

    /// <summary>The exception, its inner ones, and those of an aggregate.</summary>
    public static IEnumerable<Exception> Chain(Exception exception)
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
