using System.Net;
using System.Net.Sockets;

namespace Once.TestSupport;

/// <summary>
/// Listening ports for the processes and servers tests start. They come from below Linux's
/// ephemeral range (32768-60999): a port picked there is free when checked, but any outgoing
/// connection of any process (Npgsql's, Orleans', HTTP clients') may take it before the server binds
/// it, which made process tests fail now and then. Each port is handed out once per test run.
/// </summary>
public static class TestPorts
{
    private const int FirstPort = 20000;
    private const int LastPort = 32000;

    private static readonly HashSet<int> Handed = [];

    /// <summary>A free port, not handed out before.</summary>
    public static int Free() => FreeRange(1);

    /// <summary>The first of <paramref name="count"/> consecutive free ports, none handed out before.</summary>
    public static int FreeRange(int count)
    {
        lock (Handed)
        {
            for (var attempt = 0; attempt < 1000; attempt++)
            {
                var first = Random.Shared.Next(FirstPort, LastPort - count);
                var ports = Enumerable.Range(first, count).ToArray();
                if (ports.All(p => !Handed.Contains(p) && IsFree(p)))
                {
                    Handed.UnionWith(ports);
                    return first;
                }
            }
        }

        throw new InvalidOperationException("No free range of ports found.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
