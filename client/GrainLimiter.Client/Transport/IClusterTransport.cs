using GrainLimiter.Protocol.V1;

namespace GrainLimiter.Client.Transport;

/// <summary>How <see cref="GrainLimiterClient"/> reaches the cluster: the <c>grainlimiter.v1.Limiter</c> operations, whatever carries them.</summary>
/// <remarks>
/// The client wraps every call in its deadline, circuit breaker and failure modes; a transport only carries one call
/// (failing over between silos if it has several) and says which of its failures mean the cluster could not answer.
/// </remarks>
internal interface IClusterTransport : IDisposable
{
    ValueTask<CheckResponse> CheckAsync(CheckRequest request, CancellationToken cancellationToken);

    ValueTask<DecisionResponse> ReserveAsync(ReserveRequest request, CancellationToken cancellationToken);

    ValueTask<DecisionResponse> AcquireAsync(AcquireRequest request, CancellationToken cancellationToken);

    ValueTask<DecisionResponse> ReleaseAsync(ReleaseRequest request, CancellationToken cancellationToken);

    ValueTask<DecisionResponse> GetAsync(GetRequest request, CancellationToken cancellationToken);

    ValueTask<DecisionResponse> PauseAsync(PauseRequest request, CancellationToken cancellationToken);

    /// <summary>Connects to every silo and runs one call through each, so the first decisions fit in their deadline; answers how many serve.</summary>
    Task<int> WarmUpAsync(TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Whether <paramref name="exception"/> means the cluster could not answer (an outage), as opposed to refusing a bad request.</summary>
    bool IsOutage(Exception exception);
}
