using GrainLimiter.Adaptive;
using GrainLimiter.Grains;
using GrainLimiter.Policies;

namespace GrainLimiter.Benchmarks.Adaptive;

/// <summary>Callers that want more than an upstream can take, behind a limit that is static or adaptive, in simulated time.</summary>
/// <remarks>
/// The limiter is the key's real decision code (<see cref="KeyLimits"/>, as its grain runs it) on a simulated clock: every 10 ms the
/// callers make their calls, each admitted one goes to the upstream (<see cref="SimulatedUpstream"/>), and the outcomes are reported
/// every 100 ms, as GrainLimiterClient batches them. The upstream serves 150 calls/s, drops to 50/s for the middle third and
/// recovers; the callers want 200/s throughout. Nothing pauses on a 429 (no Retry-After), so only the limit decides what is sent.
/// </remarks>
public static class AdaptiveSimulation
{
    public static readonly TimeSpan Phase = TimeSpan.FromSeconds(60);
    public const double Capacity = 150;
    public const double DroppedCapacity = 50;
    public const double Demand = 200;
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan ReportEvery = TimeSpan.FromMilliseconds(100);
    private static readonly long T0 = new DateTime(2026, 12, 7, 0, 0, 0, DateTimeKind.Utc).Ticks;

    /// <summary>The limit every run starts from: the upstream's normal capacity per second, a tenth of it as burst.</summary>
    public static LimitSpec StaticLimit => new()
    {
        Algorithm = LimitAlgorithmKind.TokenBucket,
        Limit = (long)Capacity,
        Burst = (long)(Capacity / 10),
        Window = TimeSpan.FromSeconds(1),
        Name = "upstream",
    };

    public static LimitSpec Aimd => StaticLimit with
    {
        Adaptive = new AdaptiveSpec
        {
            Min = 10, Max = 300, Rule = AdaptiveRule.Aimd, By = AdaptiveSignal.SuccessRate, Window = TimeSpan.FromSeconds(10),
            Interval = TimeSpan.FromSeconds(1), Increase = 10, Decrease = 0.7,
        },
    };

    public static LimitSpec Multiplier => StaticLimit with
    {
        Adaptive = new AdaptiveSpec
        {
            Min = 10, Max = 300, Rule = AdaptiveRule.Multiplier, By = AdaptiveSignal.SuccessRate, Window = TimeSpan.FromSeconds(10),
            Interval = TimeSpan.FromSeconds(1),
        },
    };

    public static double CapacityAt(TimeSpan at) => at >= Phase && at < 2 * Phase ? DroppedCapacity : Capacity;

    public static AdaptiveRun Run(string name, LimitSpec spec)
    {
        var key = new KeyLimits("upstream", new CompiledPolicy(new PolicyDefinition { Name = "simulated", Limits = [spec] }));
        var upstream = new SimulatedUpstream(CapacityAt);
        var tally = default(OutcomeTally);
        long goodput = 0, rejected = 0;
        TimeSpan? adapted = null, recovered = null;
        var owed = 0.0;
        var ideal = 0.0;
        for (var at = TimeSpan.Zero; at < 3 * Phase; at += Tick)
        {
            var now = T0 + at.Ticks;
            owed += Demand * Tick.TotalSeconds;
            ideal += Math.Min(Demand, upstream.CapacityAt(at)) * Tick.TotalSeconds;
            for (; owed >= 1; owed--)
            {
                if (!key.TryAcquire(now, 1).Allowed)
                {
                    continue;
                }

                var served = upstream.Call(at);
                (goodput, rejected) = served ? (goodput + 1, rejected) : (goodput, rejected + 1);
                tally = tally.Add(new RequestOutcome("simulated", "upstream", Failed: !served, Status: served ? 200 : 429));
            }

            if ((at + Tick).Ticks % ReportEvery.Ticks == 0)
            {
                key.Report(now, tally);
                tally = default;
            }

            var limit = key.Evaluate(now, 0).Limit;
            if (at >= Phase && at < 2 * Phase && adapted is null && limit <= DroppedCapacity)
            {
                adapted = at - Phase;
            }

            if (at >= 2 * Phase && recovered is null && limit >= 0.9 * Capacity)
            {
                recovered = at - 2 * Phase;
            }
        }

        return new AdaptiveRun(name, goodput, rejected, (long)Math.Round(ideal), adapted, recovered);
    }

    /// <summary>The static limit, AIMD and the multiplier rule over the same upstream.</summary>
    public static IReadOnlyList<AdaptiveRun> RunAll() =>
        [Run("static (150/s)", StaticLimit), Run("adaptive, AIMD (10..300)", Aimd), Run("adaptive, multiplier (10..300)", Multiplier)];
}
