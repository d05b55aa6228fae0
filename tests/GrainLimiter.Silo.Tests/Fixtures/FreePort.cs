using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace GrainLimiter.Silo.Tests.Fixtures;

/// <summary>A loopback port nobody listens on now and that no other test process on this machine is given.</summary>
/// <remarks>
/// Ports come from below the kernel's ephemeral range (32768 and up on Linux), so no outgoing connection is given the port
/// between this probe and the server's bind. Each port handed out is claimed with an exclusive lock on a file in the temporary
/// directory, held until this process exits (the kernel drops the lock even on a kill), so test assemblies running at once, or
/// a benchmark beside them, never start two servers on one port.
/// </remarks>
public static class FreePort
{
    private const int First = 20_000;
    private const int Count = 12_000;
    private static readonly string ClaimDirectory = Path.Combine(Path.GetTempPath(), "grainlimiter-test-ports");
    private static readonly ConcurrentDictionary<int, FileStream> Claimed = new();
    private static int _next = Random.Shared.Next(Count);

    public static int Next()
    {
        Directory.CreateDirectory(ClaimDirectory);
        for (var tried = 0; tried < Count; tried++)
        {
            var port = First + (int)((uint)Interlocked.Increment(ref _next) % Count);
            if (!Claimed.ContainsKey(port) && TryClaim(port, out var claim))
            {
                if (IsFree(port) && Claimed.TryAdd(port, claim))
                {
                    return port;
                }

                claim.Dispose();
            }
        }

        throw new InvalidOperationException($"No free loopback port in {First}..{First + Count - 1}.");
    }

    private static bool TryClaim(int port, out FileStream claim)
    {
        try
        {
            // FileShare.None takes an exclusive advisory lock: another process asking for the same file fails until we exit.
            claim = new FileStream(Path.Combine(ClaimDirectory, port.ToString(System.Globalization.CultureInfo.InvariantCulture)), FileMode.OpenOrCreate,
                FileAccess.ReadWrite, FileShare.None);
            return true;
        }
        catch (IOException)
        {
            claim = null!;
            return false;
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
