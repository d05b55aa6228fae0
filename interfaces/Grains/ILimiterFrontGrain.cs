using GrainLimiter.Adaptive;
using GrainLimiter.Decisions;
using GrainLimiter.Leases;

namespace GrainLimiter.Grains;

/// <summary>The <c>grainlimiter.v1.Limiter</c> API for Orleans clients, reached with no gRPC hop: the silo runs each call through
/// the very code its gRPC front runs (validation, all-or-nothing checks and refunds, shadow mode, windows, metrics).</summary>
/// <remarks>
/// One reentrant activation per silo, local to the silo whose gateway the client's message reaches (use grain id 0): it holds no
/// key state and serves every call at once, calling each key's <see cref="ILimitGrain"/>. Payloads are typed and immutable (no
/// protobuf on the way); bad input comes back as <see cref="FrontDecisions.Status"/>, never as an exception.
/// </remarks>
[Alias("GrainLimiter.ILimiterFrontGrain")]
public interface ILimiterFrontGrain : IGrainWithIntegerKey
{
    /// <summary>Several independent checks (concurrent callers' checks travelling together): each is decided all or nothing on its
    /// own, as one Check call would be, and answered in order.</summary>
    [Alias("CheckBatch")]
    ValueTask<FrontDecisions[]> CheckBatchAsync([Immutable] CheckRequest[][] checks);

    /// <summary>One single-key check asked as a lease holder (an in-process client, <see cref="LeaseAsk"/>): decided and validated as
    /// in <see cref="CheckBatchAsync"/>; the key's grain may grant the holder a lease or let it cache the denial.</summary>
    [Alias("CheckLeased")]
    ValueTask<LeasedFrontDecisions> CheckLeasedAsync(CheckRequest check, [Immutable] LeaseAsk ask);

    /// <summary>Outcomes of admitted requests, validated as the gRPC front's Report; each key's outcomes reach its grain in one call.</summary>
    [Alias("Report")]
    ValueTask<ReportAnswer> ReportAsync([Immutable] RequestOutcome[] outcomes);

    [Alias("Reserve")]
    ValueTask<FrontDecisions> ReserveAsync(string policy, string key, long cost);

    [Alias("Acquire")]
    ValueTask<FrontDecisions> AcquireAsync(string policy, string key);

    [Alias("Release")]
    ValueTask<FrontDecisions> ReleaseAsync(string policy, string key, long leaseId);

    [Alias("Get")]
    ValueTask<FrontDecisions> GetAsync(string policy, string key);

    /// <summary>Pauses the key for <paramref name="pauseFor"/> from the silo's now (worker clocks do not matter).</summary>
    [Alias("Pause")]
    ValueTask<FrontDecisions> PauseAsync(string policy, string key, TimeSpan pauseFor);
}
