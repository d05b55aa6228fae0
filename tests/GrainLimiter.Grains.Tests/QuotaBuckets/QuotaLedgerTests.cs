using CsCheck;
using GrainLimiter.Grains.QuotaBuckets;
using GrainLimiter.QuotaBuckets;

namespace GrainLimiter.Grains.Tests.QuotaBuckets;

/// <summary>One bucket's assignments over time: the live ones never add up to more than the limit, whatever streams report.</summary>
public sealed class QuotaLedgerTests
{
    private static readonly long T0 = new DateTime(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;
    private static readonly QuotaBucketSpec Spec = new("api", 100, TimeSpan.FromSeconds(1), QuotaStrategy.RequestsPerTimeUnit,
        TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(30));

    /// <summary>One step of a random history: which stream, its report (or a refresh, or leaving), how much time passes.</summary>
    private static readonly Gen<(int Stream, int Kind, ulong Requests, int AdvanceMs)> Step =
        Gen.Select(Gen.Int[0, 4], Gen.Int[0, 9], Gen.ULong[0, 400], Gen.Int[0, 1500], (s, k, r, a) => (s, k, r, a));

    [Fact]
    public void LiveAssignmentsNeverAddUpToMoreThanTheLimit() => Step.Array[1, 120].Sample(steps =>
    {
        var ledger = new QuotaLedger();
        var now = T0;
        // What each stream was last told, and until when: Envoy may use any assignment until it expires.
        var sent = new List<(int Stream, long Share, long ExpiresAt)>();
        foreach (var (stream, kind, requests, advance) in steps)
        {
            now += TimeSpan.FromMilliseconds(advance).Ticks;
            var id = "s" + stream;
            if (kind == 0)
            {
                ledger.Leave(id, now);
                continue;
            }

            QuotaUsage? usage = kind == 1 ? null : new QuotaUsage(requests / 2, requests - (requests / 2), TimeSpan.FromSeconds(1));
            var answer = ledger.Report(id, Spec, usage, now, long.MaxValue);
            if (answer.Action == QuotaAction.Assign)
            {
                sent.Add((stream, answer.Share, now + answer.Ttl.Ticks));
            }

            // Every stream may be applying the largest of its unexpired assignments.
            var inForce = sent.Where(s => s.ExpiresAt > now).GroupBy(s => s.Stream).Sum(g => g.Max(s => s.Share));
            Assert.True(inForce <= Spec.Limit, $"assignments in force add up to {inForce} > {Spec.Limit}");
            Assert.True(ledger.Reserved(now) >= inForce, "the ledger counts every assignment in force");
        }
    });

    [Fact]
    public void EqualDemandsAboveTheLimitConvergeToHalfEach()
    {
        var ledger = new QuotaLedger();
        var now = T0;
        var usage = new QuotaUsage(75, 75, TimeSpan.FromSeconds(1));
        // A reports first and briefly holds the whole limit; B gets its half once A's larger assignment expires.
        Assert.Equal(100, ledger.Report("a", Spec, usage, now, long.MaxValue).Share);
        Assert.Equal(0, ledger.Report("b", Spec, usage, now, long.MaxValue).Share);
        for (var second = 1; second <= 4; second++)
        {
            now += TimeSpan.FromSeconds(1).Ticks;
            ledger.Report("a", Spec, usage, now, long.MaxValue);
            ledger.Report("b", Spec, usage, now, long.MaxValue);
        }

        Assert.Equal(50, ledger.Report("a", Spec, usage, now, long.MaxValue).Share);
        Assert.Equal(50, ledger.Report("b", Spec, usage, now, long.MaxValue).Share);
    }

    [Fact]
    public void AShareGivenUpReachesTheOtherStreamOnceItsAssignmentExpires()
    {
        var ledger = new QuotaLedger();
        var now = T0;
        ledger.Report("a", Spec, new QuotaUsage(150, 0, TimeSpan.FromSeconds(1)), now, long.MaxValue);
        ledger.Report("b", Spec, new QuotaUsage(150, 0, TimeSpan.FromSeconds(1)), now + 1, long.MaxValue);
        now += TimeSpan.FromSeconds(4).Ticks;
        ledger.Report("a", Spec, new QuotaUsage(150, 0, TimeSpan.FromSeconds(1)), now, long.MaxValue);
        Assert.Equal(50, ledger.Report("b", Spec, new QuotaUsage(150, 0, TimeSpan.FromSeconds(1)), now, long.MaxValue).Share);

        // A's demand drops to 10: A is told 10 at once, B rises to 90 once A's assignment of 50 has expired.
        Assert.Equal(10, ledger.Report("a", Spec, new QuotaUsage(10, 0, TimeSpan.FromSeconds(1)), now, long.MaxValue).Share);
        Assert.Equal(50, ledger.Report("b", Spec, new QuotaUsage(150, 0, TimeSpan.FromSeconds(1)), now, long.MaxValue).Share);
        now += (Spec.AssignmentTtl + QuotaLedger.TransitAllowance).Ticks;
        Assert.Equal(90, ledger.Report("b", Spec, new QuotaUsage(150, 0, TimeSpan.FromSeconds(1)), now, long.MaxValue).Share);
    }

    [Fact]
    public void AStreamReportingNoRequestIsToldToAbandonAfterAWhile()
    {
        var ledger = new QuotaLedger();
        var idle = new QuotaUsage(0, 0, TimeSpan.FromSeconds(1));
        Assert.Equal(QuotaAction.Assign, ledger.Report("a", Spec, new QuotaUsage(5, 0, TimeSpan.FromSeconds(1)), T0, long.MaxValue).Action);
        Assert.Equal(QuotaAction.Assign, ledger.Report("a", Spec, idle, T0 + Spec.AbandonAfter.Ticks - 1, long.MaxValue).Action);
        Assert.Equal(QuotaAction.Abandon, ledger.Report("a", Spec, idle, T0 + Spec.AbandonAfter.Ticks, long.MaxValue).Action);
        Assert.Equal(0, ledger.StreamCount);
    }

    [Fact]
    public void AReactivatedBucketAssignsNothingUntilItsLostAssignmentsExpire()
    {
        var until = T0 + TimeSpan.FromSeconds(6).Ticks;
        var ledger = new QuotaLedger(quarantinedUntil: until);
        var usage = new QuotaUsage(10, 0, TimeSpan.FromSeconds(1));
        Assert.Equal(QuotaAction.None, ledger.Report("a", Spec, usage, T0, long.MaxValue).Action);
        Assert.Equal(Spec.Limit, ledger.Reserved(T0));
        Assert.Equal(QuotaAction.Assign, ledger.Report("a", Spec, usage, until, long.MaxValue).Action);
    }

    [Fact]
    public void NoAssignmentOutlivesTheStoredHorizon()
    {
        var ledger = new QuotaLedger();
        var horizon = T0 + TimeSpan.FromSeconds(2).Ticks;
        // The TTL stops short of the horizon by the transit allowance, and the assignment counts until the horizon.
        Assert.Equal(TimeSpan.FromSeconds(1), ledger.Report("a", Spec, new QuotaUsage(1, 0, TimeSpan.FromSeconds(1)), T0, horizon).Ttl);
        Assert.Equal(Spec.Limit, ledger.Reserved(horizon - 1));
        Assert.Equal(0, ledger.Reserved(horizon));
        Assert.Equal(QuotaAction.None, ledger.Report("a", Spec, null, horizon - QuotaLedger.TransitAllowance.Ticks, horizon).Action);
    }
}
