using GrainLimiter.Adaptive;
using GrainLimiter.Decisions;
using GrainLimiter.Leases;

namespace GrainLimiter.Grains;

/// <summary>One (policy, key) of the cluster: one activation in the whole cluster decides every request of that key.</summary>
/// <remarks>
/// The grain key is <see cref="LimitGrainKey.Encode"/>(policy, key). Time is the hosting silo's clock. Every method is
/// one synchronous turn: nothing awaits the store (state is written behind, see the grain's FlushInterval).
/// </remarks>
[Alias("GrainLimiter.ILimitGrain")]
public interface ILimitGrain : IGrainWithStringKey
{
    /// <summary>Admits <paramref name="cost"/> if every limit of the policy admits it, charging all of them; otherwise none.</summary>
    /// <remarks>A shadow-mode policy's denial comes back admitted, uncharged, with reason <see cref="DecisionReasons.ShadowMode"/>.</remarks>
    [Alias("Acquire")]
    ValueTask<GrainDecision> AcquireAsync(long cost);

    /// <summary>As <see cref="AcquireAsync"/> for a lease holder: settles the lease it returns first, then decides; a holder that
    /// asks often may also be granted a lease (its units charged now) and told it may answer a denial itself for a while.</summary>
    [Alias("AcquireLeased")]
    ValueTask<LeasedDecision> AcquireLeasedAsync(long cost, [Immutable] LeaseAsk ask);

    /// <summary>A holder gives back the unused units of a lease (expired, or the holder stopping); credited only while the window
    /// they were charged in lasts. Answers the units credited.</summary>
    [Alias("ReturnLease")]
    ValueTask<long> ReturnLeaseAsync(string holderId, LeaseReturn returned);

    /// <summary>Several items of one check on this key, in one turn: each cost decided in order exactly as one
    /// <see cref="AcquireAsync"/> call per item would answer (a denied item charges nothing; the later ones are still decided).</summary>
    [Alias("AcquireMany")]
    ValueTask<GrainDecision[]> AcquireManyAsync(long[] costs);

    /// <summary>The items of one check on this key that carries a request id (a caller's retry keeps it): decided as
    /// <see cref="AcquireManyAsync"/> the first time; then, for the silo's <c>RequestIdWindow</c>, the same id with the same costs is
    /// answered with those first answers again and charges nothing. The ids live in this activation only.</summary>
    [Alias("AcquireOnce")]
    ValueTask<GrainDecision[]> AcquireOnceAsync(string requestId, long[] costs);

    /// <summary>Gives back what the check with <paramref name="requestId"/> charged here (another key of it denied), once: a second
    /// refund of the id, or one for an id no longer remembered, credits nothing.</summary>
    [Alias("RefundOnce")]
    ValueTask RefundOnceAsync(string requestId);

    /// <summary>What <see cref="AcquireAsync"/> would answer, without charging (no shadow mode applied).</summary>
    [Alias("Evaluate")]
    ValueTask<GrainDecision> EvaluateAsync(long cost);

    /// <summary>Gives back a charge that another key of the same all-or-nothing check denied.</summary>
    [Alias("Refund")]
    ValueTask RefundAsync(long cost, long leaseId);

    /// <summary>Releases a concurrency lease; answers the key's state after it.</summary>
    [Alias("Release")]
    ValueTask<GrainDecision> ReleaseAsync(long leaseId);

    /// <summary>Forgets all usage of the key; answers its (fresh) state.</summary>
    [Alias("Reset")]
    ValueTask<GrainDecision> ResetAsync();

    /// <summary>Denies every request until <paramref name="until"/> (a pause in force is never shortened); answers the key's state.</summary>
    [Alias("Pause")]
    ValueTask<GrainDecision> PauseAsync(DateTimeOffset until);

    /// <summary>Adaptive limits learn from how admitted requests fared; the limit in force moves (at most once per interval) by the
    /// policy's rule. A key whose policy does not adapt ignores it.</summary>
    /// <returns>Whether the outcomes were counted (the policy adapts).</returns>
    [Alias("Report")]
    ValueTask<bool> ReportAsync(OutcomeTally outcomes);

    /// <summary>Global keys: merges what a peer region reported (max per region and window; a later reset epoch resets);
    /// repeated, reordered and stale reports change nothing. A regional key ignores it.</summary>
    [Alias("MergeRegionCounts")]
    ValueTask MergeRegionCountsAsync(GlobalCounts counts);

    /// <summary>Global keys: this region's view of every region's hits (for tests and the admin view).</summary>
    [Alias("RegionCounts")]
    ValueTask<GlobalCounts> RegionCountsAsync();

    /// <summary>Admin: every limit's usage, the pause and the override in force, without charging.</summary>
    [Alias("Inspect")]
    ValueTask<KeyView> InspectAsync();

    /// <summary>Admin: puts <paramref name="value"/> in force in place of any earlier override and writes the state before
    /// answering, so it survives a crash; answers the key's view.</summary>
    [Alias("SetOverride")]
    ValueTask<KeyView> SetOverrideAsync(KeyOverride value);

    /// <summary>Admin: removes the override (the policy's limits apply again), written before answering.</summary>
    /// <returns>Whether an override was in force.</returns>
    [Alias("ClearOverride")]
    ValueTask<bool> ClearOverrideAsync();
}
