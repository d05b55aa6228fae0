using Microsoft.Extensions.Logging;

namespace GrainLimiter.Client.Orleans;

/// <summary>Creates a <see cref="GrainLimiterClient"/> that joins the cluster as an Orleans client instead of calling the gRPC fronts.</summary>
public static class GrainLimiterOrleansClient
{
    /// <summary>A client over Orleans with the deadline, circuit breaker and failure modes of <paramref name="options"/>; it
    /// connects in the background (<see cref="GrainLimiterClient.WarmUpAsync"/> waits for it). Dispose it to leave the cluster.
    /// Sets <paramref name="options"/>.Transport to <see cref="ClusterTransport.Orleans"/>.</summary>
    /// <exception cref="ArgumentException">Either options are invalid; the message lists every problem.</exception>
    public static GrainLimiterClient Create(GrainLimiterClientOptions options, OrleansTransportOptions orleans, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(orleans);
        options.Transport = ClusterTransport.Orleans;
        return new GrainLimiterClient(options, (client, metrics) => new OrleansClusterTransport(orleans, client, metrics, loggerFactory),
            loggerFactory: loggerFactory);
    }
}
