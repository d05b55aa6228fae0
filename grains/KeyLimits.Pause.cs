using GrainLimiter.Decisions;

namespace GrainLimiter.Grains;

// An upstream's pause: every request denied until it ends.
public sealed partial class KeyLimits
{
    /// <summary>Denies every request until <paramref name="untilTicks"/> (UTC); a pause already in force is never shortened.</summary>
    public void PauseUntil(long untilTicks) => _pausedUntil = Math.Max(_pausedUntil, untilTicks);

    private LimitDecision Paused(in LimitDecision decision, long now)
    {
        var left = TimeSpan.FromTicks(_pausedUntil - now);
        var retryAfter = !decision.Allowed && decision.RetryAfter > left ? decision.RetryAfter : left;
        return decision with { Allowed = false, Remaining = 0, RetryAfter = retryAfter, Wait = TimeSpan.Zero, LeaseId = 0 };
    }
}
