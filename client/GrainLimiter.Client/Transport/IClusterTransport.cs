using GrainLimiter.Adaptive;
using GrainLimiter.Client.Decisions;

namespace GrainLimiter.Client.Transport;

/// <summary>How <see cref="GrainLimiterClient"/> reaches the cluster: the <c>grainlimiter.v1.Limiter</c> operations, whatever carries them.</summary>
/// <remarks>
/// The client wraps every call in its deadline, circuit breaker and failure modes; a transport only carries one call (batching
/// concurrent checks, failing over between silos if it has several) and says which of its failures mean the cluster could not
/// answer. Bad input throws <see cref="Grpc.Core.RpcException"/> (INVALID_ARGUMENT naming the field) on every transport.
/// </remarks>
internal interface IClusterTransport : IDisposable
{
    /// <summary>One check, all or nothing across its items; concurrent checks may travel together, each still decided on its own.</summary>
    ValueTask<ClusterCheckOutcome> CheckAsync(LimitCheck[] checks, CancellationToken cancellationToken);

    ValueTask<ClusterDecision> ReserveAsync(string policy, string key, long cost, CancellationToken cancellationToken);

    ValueTask<ClusterDecision> AcquireAsync(string policy, string key, CancellationToken cancellationToken);

    ValueTask<ClusterDecision> ReleaseAsync(string policy, string key, long leaseId, CancellationToken cancellationToken);

    ValueTask<ClusterDecision> GetAsync(string policy, string key, CancellationToken cancellationToken);

    ValueTask<ClusterDecision> PauseAsync(string policy, string key, TimeSpan pauseFor, CancellationToken cancellationToken);

    /// <summary>One report of how admitted requests fared (at most the silos' <c>MaxOutcomesPerReport</c>); answers how many outcomes an
    /// adaptive limit counted (those of a policy that does not adapt are ignored).</summary>
    ValueTask<int> ReportAsync(RequestOutcome[] outcomes, CancellationToken cancellationToken);

    /// <summary>Connects to every silo and runs one call through each, so the first decisions fit in their deadline; answers how many serve.</summary>
    Task<int> WarmUpAsync(TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Whether <paramref name="exception"/> means the cluster could not answer (an outage), as opposed to refusing a bad request.</summary>
    bool IsOutage(Exception exception);
}
