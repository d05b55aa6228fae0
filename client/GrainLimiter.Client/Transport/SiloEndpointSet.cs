using GrainLimiter.Client.Resilience;

namespace GrainLimiter.Client.Transport;

/// <summary>The silos a client may call, starting with the one that last answered; a failure moves the start to the next.</summary>
/// <remarks>Every silo can decide any key (the cluster routes to the owner), so failover needs no key affinity.</remarks>
internal sealed class SiloEndpointSet : IDisposable
{
    private readonly SiloChannel[] _silos;
    private int _preferred;

    public SiloEndpointSet(IEnumerable<Uri> addresses, GrainLimiterClientOptions options, ClientMetrics metrics)
    {
        var tls = TransportTls.Load(options.Tls);
        _silos = addresses.Select(a => new SiloChannel(a, options, tls, metrics)).ToArray();
        if (_silos.Length == 0)
        {
            throw new ArgumentException("At least one silo endpoint is required.", nameof(addresses));
        }
    }

    public int Count => _silos.Length;

    /// <summary>Index of the silo to try first.</summary>
    public int Preferred => Volatile.Read(ref _preferred);

    public SiloChannel this[int index] => _silos[index % _silos.Length];

    /// <summary>Moves the start past <paramref name="index"/> if it is still the preferred one (another caller may have moved it already).</summary>
    public void MarkFailed(int index)
    {
        var failed = index % _silos.Length;
        Interlocked.CompareExchange(ref _preferred, (failed + 1) % _silos.Length, failed);
    }

    public void Dispose()
    {
        foreach (var silo in _silos)
        {
            silo.Dispose();
        }
    }
}
