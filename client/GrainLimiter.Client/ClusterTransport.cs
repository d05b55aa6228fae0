namespace GrainLimiter.Client;

/// <summary>How a <see cref="GrainLimiterClient"/> reaches the cluster (<c>GrainLimiter:Client:Transport</c>).</summary>
public enum ClusterTransport
{
    /// <summary>The silos' gRPC fronts at <see cref="GrainLimiterClientOptions.Endpoints"/> (Grpc.Net.Client).</summary>
    Grpc,

    /// <summary>Joins the cluster as an Orleans client (<c>GrainLimiter:Client:Orleans</c>, package GrainLimiter.Client.Orleans) and calls the
    /// silos with no gRPC hop.</summary>
    Orleans,
}
