namespace GrainLimiter.Client.Transport;

/// <summary>The silos a client may call, starting with the one that last answered; a failure moves the start to the next.</summary>
/// <remarks>Every silo can decide any key (the cluster routes to the owner), so failover needs no key affinity.</remarks>
internal sealed class SiloEndpointSet
{
    private readonly SiloEndpoint[] _endpoints;
    private int _preferred;

    public SiloEndpointSet(IEnumerable<Uri> addresses)
    {
        _endpoints = addresses.Select(static a => new SiloEndpoint(a)).ToArray();
        if (_endpoints.Length == 0)
        {
            throw new ArgumentException("At least one silo endpoint is required.", nameof(addresses));
        }
    }

    public int Count => _endpoints.Length;

    /// <summary>Index of the endpoint to try first.</summary>
    public int Preferred => Volatile.Read(ref _preferred);

    public SiloEndpoint this[int index] => _endpoints[index % _endpoints.Length];

    /// <summary>Moves the start past <paramref name="index"/> if it is still the preferred one (another caller may have moved it already).</summary>
    public void MarkFailed(int index)
    {
        var failed = index % _endpoints.Length;
        Interlocked.CompareExchange(ref _preferred, (failed + 1) % _endpoints.Length, failed);
    }
}
