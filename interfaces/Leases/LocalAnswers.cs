using GrainLimiter.Decisions;

namespace GrainLimiter.Leases;

/// <summary>The answers a holder gives on its own, in the shape the key's grain would give them: the grain's last answer, its times
/// brought to now, its remaining counting the lease's units still held.</summary>
internal static class LocalAnswers
{
    /// <summary>Admitted from <paramref name="lease"/>, which has <paramref name="left"/> units left after this call.</summary>
    public static GrainDecision Admitted(HeldLease lease, long left, TimeSpan elapsed)
    {
        var grant = lease.Grant;
        var decision = Admitted(grant.Decision, left, elapsed);
        var limits = grant.Limits is { } each ? Array.ConvertAll(each, l => Admitted(l, left, elapsed) with { LimitIndex = l.LimitIndex }) : null;
        return new GrainDecision(decision, grant.LimitName, null, Charged: true, limits);
    }

    /// <summary>Denied as the grain denied it, retry-after and reset counted down.</summary>
    public static GrainDecision Denied(CachedDenial denial, TimeSpan elapsed)
    {
        var answer = denial.Answer;
        var decision = Later(answer.Decision, elapsed);
        var limits = answer.Limits is { } each ? Array.ConvertAll(each, l => Later(l, elapsed)) : null;
        return new GrainDecision(decision, answer.LimitName, null, Charged: false, limits);
    }

    private static LimitDecision Admitted(in LimitDecision granted, long left, TimeSpan elapsed) => granted with
    {
        Allowed = true,
        Remaining = Math.Min(granted.Limit, granted.Remaining + left),
        ResetAfter = Less(granted.ResetAfter, elapsed),
        RetryAfter = TimeSpan.Zero,
        Wait = TimeSpan.Zero,
        LeaseId = 0,
    };

    private static LimitDecision Later(in LimitDecision decision, TimeSpan elapsed) => decision with
    {
        ResetAfter = Less(decision.ResetAfter, elapsed),
        RetryAfter = decision.Allowed || decision.IsNeverAdmissible ? decision.RetryAfter : Less(decision.RetryAfter, elapsed),
    };

    private static TimeSpan Less(TimeSpan span, TimeSpan elapsed) => span > elapsed ? span - elapsed : TimeSpan.Zero;
}
