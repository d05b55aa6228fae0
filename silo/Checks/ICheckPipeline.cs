using GrainLimiter.Adaptive;
using GrainLimiter.Decisions;
using GrainLimiter.Leases;

namespace GrainLimiter.Silo.Checks;

/// <summary>What every front (HTTP, gRPC, Envoy RLS, admin) asks of the silo.</summary>
/// <remarks>Callers validate requests first with <see cref="CheckValidator"/> (reports with <see cref="OutcomeValidator"/>); an unknown
/// policy here is a bug.</remarks>
public interface ICheckPipeline
{
    /// <summary>Checks every item, all or nothing: if one is denied, the items already admitted are refunded.</summary>
    ValueTask<CheckOutcome> CheckAsync(IReadOnlyList<CheckRequest> checks, CancellationToken cancellationToken);

    /// <summary>As <see cref="CheckAsync(IReadOnlyList{CheckRequest}, CancellationToken)"/> for a check that carries a request id (null:
    /// none): each key's grain answers a repeat of the id, within its window, as the first time, charging nothing again.</summary>
    ValueTask<CheckOutcome> CheckAsync(IReadOnlyList<CheckRequest> checks, string? requestId, CancellationToken cancellationToken);

    /// <summary>One single-key check of a lease holder elsewhere (an in-process client): the key's grain may grant it a lease.</summary>
    ValueTask<LeasedCheck> CheckLeasedAsync(CheckRequest check, LeaseAsk ask, CancellationToken cancellationToken);

    /// <summary>How admitted requests fared: each key's outcomes are summed and reach its grain in one call, the keys in parallel.
    /// Keys whose policy does not adapt are skipped (their grains are not called, nor activated).</summary>
    ValueTask<ReportResult> ReportAsync(IReadOnlyList<RequestOutcome> outcomes, CancellationToken cancellationToken);

    /// <summary>Current usage of a key without charging it.</summary>
    ValueTask<CheckResult> GetAsync(string policy, string key, CancellationToken cancellationToken);

    /// <summary>Releases a concurrency lease obtained from a check.</summary>
    ValueTask<CheckResult> ReleaseAsync(string policy, string key, long leaseId, CancellationToken cancellationToken);

    /// <summary>Forgets all usage of a key.</summary>
    ValueTask ResetAsync(string policy, string key, CancellationToken cancellationToken);

    /// <summary>Denies every request of a key until <paramref name="until"/> (an upstream said 429); answers the key's state.</summary>
    ValueTask<CheckResult> PauseAsync(string policy, string key, DateTimeOffset until, CancellationToken cancellationToken);
}
