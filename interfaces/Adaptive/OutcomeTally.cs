namespace GrainLimiter.Adaptive;

/// <summary>The outcomes of one key in one report, summed: what a key's grain learns from (<see cref="Grains.ILimitGrain.ReportAsync"/>).</summary>
/// <param name="Timed">How many of the requests carried a latency.</param>
/// <param name="LatencyTicks">The sum of those latencies.</param>
[GenerateSerializer, Immutable, Alias("GrainLimiter.OutcomeTally")]
public readonly record struct OutcomeTally(
    [property: Id(0)] int Successes,
    [property: Id(1)] int Failures,
    [property: Id(2)] int Timed,
    [property: Id(3)] long LatencyTicks)
{
    public int Requests => Successes + Failures;

    /// <summary>This tally with <paramref name="other"/>'s outcomes counted in.</summary>
    public OutcomeTally Add(in OutcomeTally other) =>
        new(Successes + other.Successes, Failures + other.Failures, Timed + other.Timed, LatencyTicks + other.LatencyTicks);

    /// <summary>This tally with <paramref name="outcome"/> counted in.</summary>
    public OutcomeTally Add(in RequestOutcome outcome) => new(
        Successes + (outcome.CountsAsFailure ? 0 : 1),
        Failures + (outcome.CountsAsFailure ? 1 : 0),
        Timed + (outcome.Latency is null ? 0 : 1),
        LatencyTicks + (outcome.Latency?.Ticks ?? 0));
}
