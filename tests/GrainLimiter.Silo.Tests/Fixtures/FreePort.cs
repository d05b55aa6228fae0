using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace GrainLimiter.Silo.Tests.Fixtures;

/// <summary>A loopback port nobody listens on right now, and never handed out before in this test process.</summary>
/// <remarks>The kernel may offer a port again as soon as the probe socket closes; remembering what was given keeps two
/// fixtures of one run (several silos and servers per test) from being told the same port before either binds it.</remarks>
public static class FreePort
{
    private static readonly ConcurrentDictionary<int, bool> Issued = new();

    public static int Next()
    {
        while (true)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)socket.LocalEndPoint!).Port;
            if (Issued.TryAdd(port, true))
            {
                return port;
            }
        }
    }
}
