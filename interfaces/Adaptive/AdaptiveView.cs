using GrainLimiter.Policies;

namespace GrainLimiter.Adaptive;

/// <summary>What an adaptive limit has learned, as an operator sees it (admin keys view, CLI, dashboard).</summary>
/// <param name="SuccessRate">The smoothed share of reported requests that succeeded; null before any report.</param>
/// <param name="Latency">The smoothed mean latency; null before any timed report.</param>
/// <param name="Samples">The smoothed weight of reports behind those figures (about the reports of the last window).</param>
[GenerateSerializer, Immutable, Alias("GrainLimiter.AdaptiveView")]
public sealed record AdaptiveView(
    [property: Id(0)] AdaptiveRule Rule,
    [property: Id(1)] AdaptiveSignal By,
    [property: Id(2)] long Min,
    [property: Id(3)] long Max,
    [property: Id(4)] double? SuccessRate,
    [property: Id(5)] TimeSpan? Latency,
    [property: Id(6)] double Samples);
