using GrainLimiter.Adaptive;

namespace GrainLimiter.Grains.Adaptive;

/// <summary>What an <see cref="AdaptiveLimit"/> has learned, as a value.</summary>
public readonly record struct AdaptiveMemory(
    double Limit, double Weight, double Successes, double Timed, double LatencyTicks, long DecayedAt, OutcomeTally Interval, long RevisedAt);
