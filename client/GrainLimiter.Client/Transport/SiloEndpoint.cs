namespace GrainLimiter.Client.Transport;

/// <summary>One silo's gRPC address with the request URI of every method built once (no per-call URI allocation).</summary>
internal sealed class SiloEndpoint
{
    private readonly Uri[] _methodUris;

    public SiloEndpoint(Uri address)
    {
        Address = address;
        _methodUris = new Uri[LimiterMethodPaths.Count];
        for (var i = 0; i < _methodUris.Length; i++)
        {
            _methodUris[i] = new Uri(address, LimiterMethodPaths.Of((LimiterMethod)i));
        }
    }

    public Uri Address { get; }

    public Uri UriOf(LimiterMethod method) => _methodUris[(int)method];
}
