using System.Net;
using System.Net.Sockets;

namespace Once.Benchmarks;

/// <summary>Free TCP ports on the loopback interface, so a benchmark never collides with a running cluster.</summary>
internal static class LocalPorts
{
    public static int[] Free(int count)
    {
        // All listeners stay open until every port is read, so the ports differ from each other.
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToArray();
        try
        {
            foreach (var listener in listeners)
            {
                listener.Start();
            }

            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Dispose();
            }
        }
    }
}
