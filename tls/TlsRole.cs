namespace GrainLimiter.Tls;

/// <summary>What a process does on Orleans' connections, and so what its certificate must be good for.</summary>
public enum TlsRole
{
    /// <summary>A silo accepts connections (server authentication) and opens them to other silos (client authentication).</summary>
    Silo,

    /// <summary>An Orleans client only opens connections to gateways (client authentication).</summary>
    Client,
}
