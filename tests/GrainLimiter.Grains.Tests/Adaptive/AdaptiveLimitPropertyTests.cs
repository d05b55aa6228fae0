using CsCheck;
using GrainLimiter.Adaptive;
using GrainLimiter.Grains.Adaptive;
using GrainLimiter.Policies;

namespace GrainLimiter.Grains.Tests.Adaptive;

/// <summary>Over random histories of reports, an adaptive limit stays within [min, max], and better outcomes never earn a lower
/// limit than worse ones (both rules, every signal).</summary>
public sealed class AdaptiveLimitPropertyTests
{
    private static readonly long T0 = new DateTime(2026, 12, 7, 0, 0, 0, DateTimeKind.Utc).Ticks;

    private static readonly Gen<AdaptiveSpec> Specs = Gen.Select(Gen.Long[1, 500], Gen.Long[0, 2_000], Gen.Enum<AdaptiveSignal>(), Gen.Enum<AdaptiveRule>(),
        Gen.Int[1, 30], Gen.Double[0.05, 0.95], (min, extra, by, rule, samples, decrease) => new AdaptiveSpec
        {
            Min = min, Max = min + extra, By = by, Rule = rule, MinSamples = samples, Decrease = decrease,
            Target = TimeSpan.FromMilliseconds(100), Window = TimeSpan.FromSeconds(10), Interval = TimeSpan.FromMilliseconds(500),
        });

    // One report: successes, failures, timed count and mean latency (ms), then the milliseconds until the next one.
    private static readonly Gen<(int Successes, int Failures, int LatencyMs, int AdvanceMs)> Reports =
        Gen.Select(Gen.Int[0, 50], Gen.Int[0, 50], Gen.Int[0, 1_000], Gen.Int[0, 1_500], (s, f, l, a) => (s, f, l, a));

    private static OutcomeTally Tally(int successes, int failures, int latencyMs) =>
        new(successes, failures, successes + failures, (successes + failures) * TimeSpan.FromMilliseconds(latencyMs).Ticks);

    [Fact]
    public void The_limit_in_force_is_always_between_min_and_max() =>
        Gen.Select(Specs, Gen.Long[0, 5_000], Reports.Array[1, 300]).Sample((spec, start, reports) =>
        {
            var limit = new AdaptiveLimit(spec, start);
            var now = T0;
            foreach (var (s, f, l, a) in reports)
            {
                limit.Record(now, Tally(s, f, l));
                if (limit.Limit < spec.Min || limit.Limit > spec.Max)
                {
                    return false;
                }

                now += TimeSpan.FromMilliseconds(a).Ticks;
            }

            return limit.Limit >= spec.Min && limit.Limit <= spec.Max;
        });

    [Fact]
    public void Better_outcomes_never_earn_a_lower_limit_than_worse_ones() =>
        Gen.Select(Specs, Gen.Long[0, 5_000], Reports.Array[1, 200], Gen.Int[0, 20]).Sample((spec, start, reports, shift) =>
        {
            // The same history twice, the better one with some failures turned into successes and latencies cut.
            var worse = new AdaptiveLimit(spec, start);
            var better = new AdaptiveLimit(spec, start);
            var now = T0;
            foreach (var (s, f, l, a) in reports)
            {
                var moved = Math.Min(f, shift);
                worse.Record(now, Tally(s, f, l));
                better.Record(now, Tally(s + moved, f - moved, l / 2));
                if (better.Limit < worse.Limit)
                {
                    return false;
                }

                now += TimeSpan.FromMilliseconds(a).Ticks;
            }

            return true;
        });

    [Fact]
    public void Callers_whose_requests_all_succeed_fast_reach_max_and_those_that_all_fail_fall_to_min() =>
        Gen.Select(Specs, Gen.Long[0, 5_000]).Sample((spec, start) =>
        {
            var good = new AdaptiveLimit(spec, start);
            var bad = new AdaptiveLimit(spec, start);
            var now = T0;
            // Enough intervals for AIMD to walk the whole range (and halve its way down) from anywhere.
            for (var i = 0; i < 2_100; i++)
            {
                good.Record(now, Tally(40, 0, 10));
                // Failing and slow (an hour each), so every signal sees them as unhealthy.
                bad.Record(now, Tally(0, 40, 3_600_000));
                now += spec.Interval.Ticks;
            }

            return good.Limit == spec.Max && bad.Limit == spec.Min;
        });

    [Fact]
    public void Its_memory_restores_to_the_same_limit_and_view()
    {
        var spec = new AdaptiveSpec { Min = 10, Max = 100, Rule = AdaptiveRule.Multiplier, By = AdaptiveSignal.Both, Target = TimeSpan.FromMilliseconds(100) };
        var learned = new AdaptiveLimit(spec, 50);
        var now = T0;
        for (var i = 0; i < 5; i++)
        {
            learned.Record(now, Tally(30, 10, 200));
            now += spec.Interval.Ticks;
        }

        var restored = new AdaptiveLimit(spec, 50);
        restored.Restore(learned.Memory);

        Assert.Equal(learned.Limit, restored.Limit);
        Assert.Equal(learned.View(now), restored.View(now));
    }
}
