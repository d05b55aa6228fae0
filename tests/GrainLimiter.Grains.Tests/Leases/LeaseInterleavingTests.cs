using CsCheck;
using GrainLimiter.Decisions;
using GrainLimiter.Grains.Leases;
using GrainLimiter.Leases;
using GrainLimiter.Policies;

namespace GrainLimiter.Grains.Tests.Leases;

/// <summary>Random interleavings of grain decisions, grants, local decisions at holders, returns, expiries, lost holders, revocations
/// and resets over one key: nothing is ever admitted beyond the limit, and in every window admitted + remaining + outstanding = limit.</summary>
public sealed class LeaseInterleavingTests
{
    private static readonly long T0 = new DateTime(2026, 12, 7, 0, 0, 0, DateTimeKind.Utc).Ticks;
    private const int Holders = 3;

    private enum Op { GrainDecides, HolderAsks, HolderDecides, HolderReturns, HolderDies, Revoke, Reset, Advance }

    private static readonly Gen<(Op Op, int Holder, long Cost, int AdvanceMs)> Step = Gen.Select(
        Gen.Frequency((2, Gen.Const(Op.GrainDecides)), (4, Gen.Const(Op.HolderAsks)), (8, Gen.Const(Op.HolderDecides)), (1, Gen.Const(Op.HolderReturns)),
            (1, Gen.Const(Op.HolderDies)), (1, Gen.Const(Op.Revoke)), (1, Gen.Const(Op.Reset)), (3, Gen.Const(Op.Advance))),
        Gen.Int[0, Holders - 1], Gen.Long[1, 5], Gen.Int[0, 400],
        (op, holder, cost, advance) => (op, holder, cost, advance));

    private static readonly Gen<(long Limit, int MinAsks, (Op, int, long, int)[] Steps)> History =
        Gen.Select(Gen.Long[1, 60], Gen.Int[1, 4], Step.Array[1, 200], (limit, asks, steps) => (limit, asks, steps));

    [Fact]
    public void FixedWindowNeverAdmitsBeyondItsLimitAndAccountsForEveryUnit() =>
        History.Sample(h => Run(h.Limit, h.MinAsks, h.Steps,
            new LimitSpec { Algorithm = LimitAlgorithmKind.FixedWindow, Limit = h.Limit, Window = TimeSpan.FromSeconds(1) }, exactAccounts: true));

    [Fact]
    public void QuotaNeverAdmitsBeyondItsLimitAndAccountsForEveryUnit() =>
        History.Sample(h => Run(h.Limit, h.MinAsks, h.Steps,
            new LimitSpec { Algorithm = LimitAlgorithmKind.Quota, Limit = h.Limit, Period = QuotaPeriod.Day },
            exactAccounts: true, advanceUnit: TimeSpan.FromMinutes(10)));

    [Fact]
    public void SlidingWindowNeverAdmitsBeyondItsLimitInAnyWindow() =>
        History.Sample(h => Run(h.Limit, h.MinAsks, h.Steps,
            new LimitSpec { Algorithm = LimitAlgorithmKind.SlidingWindow, Limit = h.Limit, Window = TimeSpan.FromSeconds(1) }, exactAccounts: false));

    [Fact]
    public void TokenBucketNeverAdmitsBeyondBurstPlusRefill() =>
        History.Sample(h => Run(h.Limit, h.MinAsks, h.Steps,
            new LimitSpec { Algorithm = LimitAlgorithmKind.TokenBucket, Limit = h.Limit, Window = TimeSpan.FromSeconds(1), Burst = h.Limit },
            exactAccounts: false, bucket: true));

    [Fact]
    public void GcraNeverAdmitsBeyondBurstPlusRefill() =>
        History.Sample(h => Run(h.Limit, h.MinAsks, h.Steps,
            new LimitSpec { Algorithm = LimitAlgorithmKind.Gcra, Limit = h.Limit, Window = TimeSpan.FromSeconds(1), Burst = h.Limit },
            exactAccounts: false, bucket: true));

    /// <summary>A lease as the test sees it: where it was charged and what became of its units.</summary>
    private sealed class Issued(HeldLease held, long window)
    {
        public HeldLease Held { get; } = held;
        public long Window { get; } = window;
        public long Used { get; set; }
        public long Credited { get; set; }
        public bool Forgotten { get; set; }
    }

    private static void Run(long limit, int minAsks, (Op Op, int Holder, long Cost, int AdvanceMs)[] steps, LimitSpec spec, bool exactAccounts,
        bool bucket = false, TimeSpan? advanceUnit = null)
    {
        var policy = new CompiledPolicy(new PolicyDefinition { Name = "p", Limits = [spec] });
        var limits = new KeyLimits("k", policy);
        var options = new LeaseOptions { Ttl = TimeSpan.FromMilliseconds(100), MinAsks = minAsks, MinUnits = 2 };
        var now = T0;
        var leases = new KeyLeases<string>(options, now - options.Ttl.Ticks);
        var held = new Issued?[Holders];
        var issued = new List<Issued>();
        var admitted = new Dictionary<long, long>();
        long admittedSinceReset = 0;
        var resetAt = now;
        var unit = (advanceUnit ?? TimeSpan.FromMilliseconds(1)).Ticks;

        long WindowOf(long at) => spec.Algorithm == LimitAlgorithmKind.Quota
            ? ((Grains.Algorithms.Quota)policy.Algorithms[0]).PeriodStart(at)
            : Grains.Algorithms.FixedWindow.WindowStart(at, spec.Window.Ticks);

        void Admit(long cost)
        {
            var window = WindowOf(now);
            admitted[window] = admitted.GetValueOrDefault(window) + cost;
            admittedSinceReset += cost;
        }

        void GiveBack(int holder)
        {
            if (held[holder] is { } lease)
            {
                var unused = lease.Held.Close();
                lease.Credited += leases.Return(limits, "h" + holder, new LeaseReturn(lease.Held.Id, unused), now).Credited;
                held[holder] = null;
            }
        }

        foreach (var (op, holder, cost, advance) in steps)
        {
            switch (op)
            {
                case Op.GrainDecides:
                    if (limits.TryAcquire(now, cost).Allowed)
                    {
                        Admit(cost);
                    }

                    break;
                case Op.HolderAsks:
                    GiveBack(holder);
                    var decision = limits.TryAcquire(now, cost);
                    if (decision.Allowed)
                    {
                        Admit(cost);
                    }

                    var offer = leases.Offer(limits, "h" + holder, "h" + holder, now, cost, decision, cacheable: true);
                    if (offer.Lease is { } grant)
                    {
                        Assert.True(decision.Allowed, "a lease is granted only with an admitted call");
                        Assert.True(now + grant.Ttl.Ticks <= limits.LeaseWindowEnd(now), "a lease ends by the end of its window");
                        var lease = new Issued(
                            new HeldLease(grant.Id, grant.Units, now + grant.Ttl.Ticks, new GrainDecision(offer.Decision, "p"), now), WindowOf(now));
                        held[holder] = lease;
                        issued.Add(lease);
                    }

                    break;
                case Op.HolderDecides:
                    if (held[holder] is { } using_ && using_.Held.TryTake(cost, now) >= 0)
                    {
                        // A bucket has no window: its leases only expire.
                        Assert.True(bucket || using_.Window == WindowOf(now), "a lease is used only in the window it was charged in");
                        using_.Used += cost;
                        Admit(cost);
                    }

                    break;
                case Op.HolderReturns:
                    GiveBack(holder);
                    break;
                case Op.HolderDies:
                    held[holder]?.Held.Close();
                    held[holder] = null;
                    break;
                case Op.Revoke:
                    foreach (var entry in leases.ToRevoke(now))
                    {
                        var index = int.Parse(entry.Id[1..]);
                        if (held[index] is { } revoked)
                        {
                            revoked.Credited += leases.Revoked(
                                limits, entry, new LeaseReturn(revoked.Held.Id, revoked.Held.Close()), now, credit: true).Credited;
                            held[index] = null;
                        }
                    }

                    break;
                case Op.Reset:
                    // Every holder is reached: each drops its lease, then the key forgets every charge.
                    for (var i = 0; i < Holders; i++)
                    {
                        held[i]?.Held.Close();
                        held[i] = null;
                    }

                    leases.Forget();
                    limits.Reset();
                    issued.ForEach(static l => l.Forgotten = true);
                    admitted.Clear();
                    admittedSinceReset = 0;
                    resetAt = now;
                    break;
                case Op.Advance:
                    now += advance * unit;
                    break;
            }

            var current = WindowOf(now);
            // A bucket may admit its burst and its refill within one window: its bound is below.
            foreach (var (window, count) in bucket ? [] : admitted)
            {
                Assert.True(count <= limit, $"admitted {count} > {limit} in window {window}");
            }

            if (bucket)
            {
                // A full bucket at the start (or the reset): at most burst + what refilled since.
                var refilled = (long)Math.Ceiling((double)(now - resetAt) * limit / spec.Window.Ticks);
                Assert.True(admittedSinceReset <= limit + refilled, $"admitted {admittedSinceReset} > burst {limit} + refill {refilled}");
            }

            if (exactAccounts)
            {
                var remaining = limits.Evaluate(now, 0).Remaining;
                var outstanding = issued.Where(l => !l.Forgotten && l.Window == current).Sum(l => l.Held.Units - l.Used - l.Credited);
                Assert.Equal(limit, admitted.GetValueOrDefault(current) + remaining + outstanding);
            }
        }
    }
}
