using GrainLimiter.Decisions;
using GrainLimiter.Policies;

namespace GrainLimiter.Grains.Algorithms;

/// <summary>How one limit decides. Stateless and shared by every grain of a policy; state is passed in.</summary>
/// <remarks>
/// Deciding is split in two so a grain with several limits can charge all or none:
/// <see cref="Check"/> brings the state to <c>now</c> and answers without charging, <see cref="Charge"/>
/// applies an admitted request. <c>now</c> is UTC ticks and may go backwards (a stepped clock): an
/// algorithm then treats it as the latest time it has seen, so a backwards step never mints capacity.
/// </remarks>
public abstract class LimitAlgorithm
{
    protected LimitAlgorithm(LimitSpec spec)
    {
        Spec = spec;
    }

    public LimitSpec Spec { get; }

    public long Limit => Spec.Limit;

    /// <summary>Whether <paramref name="cost"/> would be admitted at <paramref name="now"/>; cost 0 peeks.</summary>
    public abstract LimitDecision Check(ref LimitState state, long now, long cost);

    /// <summary>Charges an admitted request. Call only right after <see cref="Check"/> admitted the same cost and time.</summary>
    /// <returns>The new lease id for concurrency limits; zero otherwise.</returns>
    public abstract long Charge(ref LimitState state, long now, long cost);

    /// <summary>Gives back a charge: a request another limit denied, or a released concurrency lease.</summary>
    public abstract void Refund(ref LimitState state, long now, long cost, long leaseId);

    /// <summary>How long until the state is equivalent to a fresh one; the persistence TTL.</summary>
    public abstract TimeSpan FreshAfter(in LimitState state, long now);

    public static LimitAlgorithm Create(LimitSpec spec) => spec.Algorithm switch
    {
        LimitAlgorithmKind.FixedWindow => new FixedWindow(spec),
        _ => throw new NotSupportedException($"Algorithm {spec.Algorithm} is not implemented yet."),
    };

    protected static TimeSpan Ticks(long ticks) => TimeSpan.FromTicks(ticks);
}
