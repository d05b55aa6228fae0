using GrainLimiter.Adaptive;
using GrainLimiter.Policies;

namespace GrainLimiter.Grains.Adaptive;

/// <summary>What one adaptive limit of a key has learned from reported outcomes, and the limit it puts in force.</summary>
/// <remarks>
/// <para>Outcomes are smoothed in time: every sum decays by <c>e^(-elapsed / window)</c>, so a burst of reports and a quiet
/// spell weigh by how long ago they were, not by how many. The health of a set of outcomes is, by the spec's signal, their
/// success rate, <c>min(1, target / mean latency)</c>, or the product of both (an outcome set without latencies is healthy
/// in latency).</para>
/// <para>The limit is revised at most once per interval, on a report: the multiplier rule sets (rounded)
/// <c>min + (max - min) * health</c> of the smoothed outcomes once <see cref="AdaptiveSpec.MinSamples"/> are known; AIMD judges
/// the interval's own outcomes: healthy (at least <see cref="AdaptiveSpec.HealthyAt"/>) adds the increase, unhealthy multiplies
/// by the decrease. Always within [min, max]. Not thread-safe; pure: time comes in as UTC ticks.</para>
/// </remarks>
public sealed class AdaptiveLimit
{
    private readonly AdaptiveSpec _spec;
    private readonly double _windowTicks;
    // Time-decayed sums: outcomes, successes, outcomes with a latency, and those latencies in ticks.
    private double _weight;
    private double _successes;
    private double _timed;
    private double _latencyTicks;
    private long _decayedAt;
    // Outcomes since the last revision, which AIMD judges alone; the revision's time (0: no report yet).
    private OutcomeTally _interval;
    private long _revisedAt;
    // AIMD keeps fractions so repeated small decreases are not lost to rounding.
    private double _limit;

    /// <param name="start">The limit configured on the spec: where adaptation starts (clamped to [min, max]).</param>
    public AdaptiveLimit(AdaptiveSpec spec, long start)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Min < 1 || spec.Max < spec.Min || spec.Window <= TimeSpan.Zero || spec.Interval <= TimeSpan.Zero
            || spec.Decrease is <= 0 or >= 1 || spec.IncreaseStep < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(spec), spec, "An adaptive limit needs 1 <= min <= max, a positive window and interval, " +
                "an increase of at least 1 and a decrease in (0, 1).");
        }

        _spec = spec;
        _windowTicks = spec.Window.Ticks;
        _limit = Math.Clamp(start, spec.Min, spec.Max);
    }

    public AdaptiveSpec Spec => _spec;

    /// <summary>The limit in force.</summary>
    public long Limit => (long)_limit;

    /// <summary>Counts <paramref name="outcomes"/> in and revises the limit if an interval has passed since the last revision.</summary>
    /// <returns>Whether <see cref="Limit"/> changed.</returns>
    public bool Record(long now, in OutcomeTally outcomes)
    {
        if (outcomes.Requests <= 0)
        {
            return false;
        }

        Decay(now);
        _weight += outcomes.Requests;
        _successes += outcomes.Successes;
        _timed += outcomes.Timed;
        _latencyTicks += outcomes.LatencyTicks;
        _interval = new OutcomeTally(_interval.Successes + outcomes.Successes, _interval.Failures + outcomes.Failures,
            _interval.Timed + outcomes.Timed, _interval.LatencyTicks + outcomes.LatencyTicks);
        if (_revisedAt == 0)
        {
            _revisedAt = now;
            return false;
        }

        if (now - _revisedAt < _spec.Interval.Ticks)
        {
            return false;
        }

        var before = Limit;
        _limit = _spec.Rule == AdaptiveRule.Aimd ? Aimd() : Multiplier();
        _interval = default;
        _revisedAt = now;
        return Limit != before;
    }

    private double Multiplier() => _weight < _spec.MinSamples
        ? _limit
        : Math.Round(_spec.Min + (_spec.Max - _spec.Min) * Health(_successes / _weight, _timed, _latencyTicks));

    private double Aimd()
    {
        var health = Health((double)_interval.Successes / _interval.Requests, _interval.Timed, _interval.LatencyTicks);
        var next = health >= AdaptiveSpec.HealthyAt ? _limit + _spec.IncreaseStep : _limit * _spec.Decrease;
        return Math.Clamp(next, _spec.Min, _spec.Max);
    }

    // 0..1: 1 for outcomes that all succeeded within the target.
    private double Health(double successRate, double timed, double latencyTicks)
    {
        var latency = timed > 0 && latencyTicks > 0 ? Math.Min(1, _spec.Target.Ticks / (latencyTicks / timed)) : 1;
        return Math.Clamp(_spec.By switch
        {
            AdaptiveSignal.SuccessRate => successRate,
            AdaptiveSignal.Latency => latency,
            _ => successRate * latency,
        }, 0, 1);
    }

    private void Decay(long now)
    {
        if (now > _decayedAt && _weight > 0)
        {
            var factor = Math.Exp(-(now - _decayedAt) / _windowTicks);
            _weight *= factor;
            _successes *= factor;
            _timed *= factor;
            _latencyTicks *= factor;
        }

        _decayedAt = Math.Max(_decayedAt, now);
    }

    /// <summary>What an operator sees: the smoothed figures as of <paramref name="now"/>.</summary>
    public AdaptiveView View(long now)
    {
        Decay(now);
        return new AdaptiveView(_spec.Rule, _spec.By, _spec.Min, _spec.Max,
            _weight > 0 ? _successes / _weight : null,
            _timed > 0 ? TimeSpan.FromTicks((long)(_latencyTicks / _timed)) : null,
            _weight);
    }

    /// <summary>How long until what was learned has decayed to nothing worth keeping (five windows after the last report).</summary>
    public TimeSpan FreshAfter(long now) => _revisedAt == 0 ? TimeSpan.Zero
        : TimeSpan.FromTicks(Math.Max(0, _decayedAt + 5 * (long)_windowTicks - now));

    /// <summary>The learned state, for the store and for a reloaded policy.</summary>
    public AdaptiveMemory Memory => new(_limit, _weight, _successes, _timed, _latencyTicks, _decayedAt, _interval, _revisedAt);

    /// <summary>Takes up <paramref name="memory"/> (persisted, or kept by the limit before a reload); the limit is kept within this spec's bounds.</summary>
    public void Restore(in AdaptiveMemory memory)
    {
        _limit = double.IsFinite(memory.Limit) ? Math.Clamp(memory.Limit, _spec.Min, _spec.Max) : _limit;
        _weight = NonNegative(memory.Weight);
        _successes = Math.Min(_weight, NonNegative(memory.Successes));
        _timed = Math.Min(_weight, NonNegative(memory.Timed));
        _latencyTicks = NonNegative(memory.LatencyTicks);
        _decayedAt = Math.Max(0, memory.DecayedAt);
        _interval = memory.Interval.Successes < 0 || memory.Interval.Failures < 0 ? default : memory.Interval;
        _revisedAt = Math.Max(0, memory.RevisedAt);
    }

    private static double NonNegative(double value) => double.IsFinite(value) && value > 0 ? value : 0;
}
