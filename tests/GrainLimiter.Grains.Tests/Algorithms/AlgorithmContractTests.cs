using GrainLimiter.Decisions;
using GrainLimiter.Grains.Algorithms;
using GrainLimiter.Policies;

namespace GrainLimiter.Grains.Tests.Algorithms;

/// <summary>The contract every limit algorithm keeps, declared once; each algorithm's test class derives from it.</summary>
public abstract class AlgorithmContractTests
{
    protected static readonly long MaxTicks = DateTime.MaxValue.Ticks;

    private LimitAlgorithm? _algorithm;

    /// <summary>An admitted request: when it was decided, its cost, and when the caller may proceed (after any wait).</summary>
    public readonly record struct Admission(long Time, long Cost, long ProceedsAt);

    protected abstract LimitSpec Spec { get; }

    protected abstract Type ExpectedType { get; }

    protected LimitAlgorithm Algorithm => _algorithm ??= LimitAlgorithm.Create(Spec);

    /// <summary>The largest cost ever admitted at once.</summary>
    protected virtual long Capacity => Spec.Capacity;

    /// <summary>The time over which capacity comes back: the window, the lease TTL, the quota period.</summary>
    protected virtual long TimeScale => Spec.Window.Ticks;

    /// <summary>Whether one tick before the retry-after is still denied (the retry-after is the earliest time, not just a safe one).</summary>
    protected virtual bool RetryAfterIsExact => true;

    /// <summary>Asserts the admissions of one run of random traffic keep this algorithm's own bound.</summary>
    protected abstract void AssertWithinBound(IReadOnlyList<Admission> admitted);

    protected static readonly long Start = new DateTimeOffset(2026, 3, 14, 12, 0, 0, TimeSpan.Zero).UtcTicks;

    [Fact]
    public void CreateReturnsThisAlgorithm()
    {
        Assert.IsType(ExpectedType, Algorithm);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void RandomTrafficNeverExceedsTheBound(int seed)
    {
        var admitted = RunRandomTraffic(seed, steps: 3000, checkRetryAfter: false);

        Assert.NotEmpty(admitted);
        AssertWithinBound(admitted);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(6)]
    public void RetryAfterIsHonestUnderRandomTraffic(int seed)
    {
        RunRandomTraffic(seed, steps: 2000, checkRetryAfter: true);
    }

    [Fact]
    public void RetryingExactlyAtRetryAfterIsAdmittedAndATickBeforeIsNot()
    {
        var state = new LimitState();
        var now = Start;
        Exhaust(ref state, now);

        var denied = Algorithm.Check(ref state, now, 1);

        Assert.False(denied.Allowed);
        Assert.True(denied.RetryAfter > TimeSpan.Zero && denied.RetryAfter != LimitDecision.Never);
        AssertRetryAfterIsHonest(in state, now, 1, denied);
    }

    [Fact]
    public void ZeroCostPeeksWithoutCharging()
    {
        var state = new LimitState();
        var now = Start;
        Admit(ref state, now, 1);

        var first = Algorithm.Check(ref state, now, 0);
        var second = Algorithm.Check(ref state, now, 0);
        Assert.True(Algorithm.Check(ref state, now, 1).Allowed);
        var afterUnchargedCheck = Algorithm.Check(ref state, now, 0);

        Assert.True(first.Allowed);
        Assert.Equal(first, second);
        Assert.Equal(first, afterUnchargedCheck);
    }

    [Fact]
    public void DeniedRequestIsChargedToNothing()
    {
        var state = new LimitState();
        var now = Start;
        Exhaust(ref state, now);
        var before = Algorithm.Check(ref state, now, 0);

        for (var i = 0; i < 3; i++)
        {
            Assert.False(Algorithm.Check(ref state, now, 1).Allowed);
        }

        Assert.Equal(before, Algorithm.Check(ref state, now, 0));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    public void RefundRestoresWhatTheChargeTook(double usedFraction)
    {
        var state = new LimitState();
        var now = Start;
        Admit(ref state, now, (long)(Capacity * usedFraction));
        now += TimeScale / 7;
        var before = Algorithm.Check(ref state, now, 0);
        Assert.True(before.Remaining > 0, "the test needs room left to charge");
        var cost = Math.Clamp(before.Remaining / 2, 1, Capacity);

        Assert.True(Algorithm.Check(ref state, now, cost).Allowed);
        var leaseId = Algorithm.Charge(ref state, now, cost);
        Assert.NotEqual(before, Algorithm.Check(ref state, now, 0));
        Algorithm.Refund(ref state, now, cost, leaseId);

        Assert.Equal(before, Algorithm.Check(ref state, now, 0));
    }

    [Fact]
    public void DefaultStateIsFresh()
    {
        foreach (var now in new[] { 0, Start, MaxTicks })
        {
            var state = default(LimitState);

            Assert.Equal(TimeSpan.Zero, Algorithm.FreshAfter(in state, now));
            var decision = Algorithm.Check(ref state, now, Capacity);
            Assert.True(decision.Allowed, $"at {now}");
            Assert.Equal(TimeSpan.Zero, decision.RetryAfter);
        }
    }

    [Fact]
    public void CostAboveCapacityIsNeverAdmissible()
    {
        var fresh = new LimitState();
        var exhausted = new LimitState();
        Exhaust(ref exhausted, Start);

        foreach (var cost in new[] { Capacity + 1, long.MaxValue / 2, long.MaxValue })
        {
            Assert.True(Algorithm.Check(ref fresh, Start, cost).IsNeverAdmissible);
            Assert.True(Algorithm.Check(ref exhausted, Start, cost).IsNeverAdmissible);
        }
    }

    [Fact]
    public void LargeCostDoesNotOverflow()
    {
        foreach (var now in new[] { 0, Start, MaxTicks })
        {
            var state = new LimitState();
            foreach (var cost in new[] { long.MaxValue, long.MaxValue - 1, Capacity, Capacity - 1, 1 })
            {
                var decision = Algorithm.Check(ref state, now, cost);
                AssertSane(decision);
                if (decision.Allowed)
                {
                    Algorithm.Charge(ref state, now, cost);
                }

                Assert.True(Algorithm.FreshAfter(in state, now) >= TimeSpan.Zero);
            }
        }
    }

    [Fact]
    public void HugeTimeJumpsDoNotOverflow()
    {
        var state = new LimitState();
        foreach (var now in new[] { 0, Start, MaxTicks, 0, MaxTicks - 1, 1, Start, MaxTicks })
        {
            Exhaust(ref state, now);
            var decision = Algorithm.Check(ref state, now, 1);
            AssertSane(decision);
            Assert.True(Algorithm.FreshAfter(in state, now) >= TimeSpan.Zero);
            Algorithm.Refund(ref state, now, 1, 0);
        }
    }

    [Fact]
    public void ClockSteppingBackMintsNothing()
    {
        var state = new LimitState();
        var now = Start;
        Exhaust(ref state, now);
        var denied = Algorithm.Check(ref state, now, 1);
        var retryAt = now + denied.RetryAfter.Ticks;

        foreach (var back in new[] { 1, TimeScale / 3, TimeScale, 5 * TimeScale, now })
        {
            var earlier = now - back;
            var decision = Algorithm.Check(ref state, earlier, 1);

            Assert.False(decision.Allowed, $"{back} ticks back");
            Assert.True(earlier + decision.RetryAfter.Ticks >= retryAt, $"{back} ticks back moved the retry earlier");
        }

        // Back in the present, the retry-after is still the one first given.
        Assert.Equal(denied.RetryAfter, Algorithm.Check(ref state, now, 1).RetryAfter);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    public void FreshAfterReallyIsFresh(int seed)
    {
        var random = new Random(seed);
        var state = new LimitState();
        var now = Start;
        for (var step = 0; step < 200; step++)
        {
            now += random.NextInt64(0, 2 * TimeScale / Math.Max(1, Capacity));
            var cost = random.NextInt64(0, Math.Max(1, Capacity / 2) + 1);
            if (Algorithm.Check(ref state, now, cost).Allowed)
            {
                Algorithm.Charge(ref state, now, cost);
            }

            if (step % 20 == 0)
            {
                var freshAt = now + Algorithm.FreshAfter(in state, now).Ticks;
                AssertDecidesLikeFresh(state, freshAt);
                // A peek's reset-after is when the limit is fully available: fresh too.
                var peek = state;
                AssertDecidesLikeFresh(state, now + Algorithm.Check(ref peek, now, 0).ResetAfter.Ticks);
            }
        }
    }

    [Fact]
    public void NegativeCostOrTimeIsRejected()
    {
        var state = new LimitState();

        Assert.Throws<ArgumentOutOfRangeException>(() => Algorithm.Check(ref state, Start, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Algorithm.Check(ref state, -1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Algorithm.Check(ref state, MaxTicks + 1, 1));
    }

    /// <summary>Checks and charges <paramref name="cost"/>, asserting it was admitted.</summary>
    protected long Admit(ref LimitState state, long now, long cost)
    {
        var decision = Algorithm.Check(ref state, now, cost);
        Assert.True(decision.Allowed, $"cost {cost} at {now} was denied: {decision}");
        return Algorithm.Charge(ref state, now, cost);
    }

    /// <summary>Charges unit requests at <paramref name="now"/> until one is denied.</summary>
    protected void Exhaust(ref LimitState state, long now)
    {
        for (var i = 0; i <= 100_000; i++)
        {
            if (!Algorithm.Check(ref state, now, 1).Allowed)
            {
                return;
            }

            Algorithm.Charge(ref state, now, 1);
        }

        Assert.Fail("the limit never denied");
    }

    protected static LimitState Clone(in LimitState state) =>
        state with { Entries = (long[]?)state.Entries?.Clone() };

    protected void AssertRetryAfterIsHonest(in LimitState state, long now, long cost, LimitDecision denied)
    {
        var retryAt = now + denied.RetryAfter.Ticks;
        var atRetry = Clone(in state);
        Assert.True(Algorithm.Check(ref atRetry, retryAt, cost).Allowed,
            $"cost {cost} denied at {now} was still denied at its retry-after {denied.RetryAfter.Ticks}");
        if (RetryAfterIsExact)
        {
            var tickBefore = Clone(in state);
            Assert.False(Algorithm.Check(ref tickBefore, retryAt - 1, cost).Allowed,
                $"cost {cost} denied at {now} was admitted a tick before its retry-after {denied.RetryAfter.Ticks}");
        }
    }

    private void AssertDecidesLikeFresh(in LimitState state, long at)
    {
        foreach (var cost in new[] { 0, 1, Capacity })
        {
            var used = Clone(in state);
            var fresh = new LimitState();
            Assert.Equal(Algorithm.Check(ref fresh, at, cost), Algorithm.Check(ref used, at, cost));
        }
    }

    private static void AssertSane(LimitDecision decision)
    {
        Assert.True(decision.Remaining >= 0);
        Assert.True(decision.ResetAfter >= TimeSpan.Zero);
        Assert.True(decision.RetryAfter >= TimeSpan.Zero);
        Assert.True(decision.Wait >= TimeSpan.Zero);
        Assert.Equal(decision.Allowed, decision.RetryAfter == TimeSpan.Zero);
    }

    private List<Admission> RunRandomTraffic(int seed, int steps, bool checkRetryAfter)
    {
        var random = new Random(seed);
        var now = Start;
        var state = new LimitState();
        var admitted = new List<Admission>();
        var meanGap = Math.Max(1, TimeScale / Math.Max(1, Capacity));
        for (var step = 0; step < steps; step++)
        {
            var roll = random.NextDouble();
            var gap = roll < 0.3 ? 0 : roll < 0.98 ? random.NextInt64(0, 2 * meanGap) : random.NextInt64(0, 3 * TimeScale);
            now += gap;
            roll = random.NextDouble();
            var cost = roll < 0.7 ? 1
                : roll < 0.85 ? random.NextInt64(0, 4)
                : roll < 0.97 ? random.NextInt64(1, Capacity + 1)
                : roll < 0.99 ? Capacity + 1
                : long.MaxValue;

            var decision = Algorithm.Check(ref state, now, cost);
            AssertSane(decision);
            if (decision.Allowed)
            {
                Algorithm.Charge(ref state, now, cost);
                if (cost > 0)
                {
                    admitted.Add(new Admission(now, cost, now + decision.Wait.Ticks));
                }
            }
            else if (cost > Capacity)
            {
                Assert.True(decision.IsNeverAdmissible);
            }
            else if (checkRetryAfter)
            {
                Assert.NotEqual(LimitDecision.Never, decision.RetryAfter);
                AssertRetryAfterIsHonest(in state, now, cost, decision);
            }
        }

        return admitted;
    }

    /// <summary>At most <paramref name="max"/> in every interval <c>[t, t + span)</c> of the chosen time.</summary>
    protected static void AssertAtMostInEveryInterval(IReadOnlyList<Admission> admitted, long span, long max, Func<Admission, long> time)
    {
        var sorted = admitted.OrderBy(time).ToArray();
        long sum = 0;
        for (int left = 0, right = 0; left < sorted.Length; left++)
        {
            while (right < sorted.Length && time(sorted[right]) < time(sorted[left]) + span)
            {
                sum += sorted[right++].Cost;
            }

            Assert.True(sum <= max, $"{sum} admitted in [{time(sorted[left])}, +{span}) exceeds {max}");
            sum -= sorted[left].Cost;
        }
    }

    /// <summary>At most <paramref name="max"/> in every window aligned to the Unix epoch.</summary>
    protected static void AssertAtMostPerAlignedWindow(IReadOnlyList<Admission> admitted, long window, long max)
    {
        foreach (var group in admitted.GroupBy(a => Math.DivRem(a.Time - DateTime.UnixEpoch.Ticks, window).Quotient))
        {
            Assert.True(group.Sum(a => a.Cost) <= max, $"{group.Sum(a => a.Cost)} admitted in window {group.Key} exceeds {max}");
        }
    }

    /// <summary>At most <c>burst + ceil(rate * elapsed)</c> admitted in every interval <c>[a, b]</c> of the chosen time.</summary>
    protected static void AssertAtMostBurstPlusRate(IReadOnlyList<Admission> admitted, long burst, long limit, long window, Func<Admission, long> time)
    {
        var sorted = admitted.OrderBy(time).ToArray();
        for (var left = 0; left < sorted.Length; left++)
        {
            long sum = 0;
            for (var right = left; right < sorted.Length; right++)
            {
                sum += sorted[right].Cost;
                var elapsed = time(sorted[right]) - time(sorted[left]);
                var allowance = burst + ((((Int128)limit * elapsed) + window - 1) / window);
                Assert.True(sum <= allowance, $"{sum} admitted in {elapsed} ticks exceeds {allowance}");
            }
        }
    }
}
