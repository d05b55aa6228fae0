namespace GrainLimiter.Benchmarks.Load;

/// <summary>
/// Ranks each row against the baseline of its own batching (Redis + Lua, fixed window: unbatched for single checks,
/// pipelined at the same batch size for a batched row), under the same key distribution and core layout, in the same run.
/// A FAILED row, a row whose baseline failed, and a row whose server and driver are one process get no ratio.
/// </summary>
internal static class Ranking
{
    public static void Apply(IReadOnlyList<PhaseResult> phases)
    {
        foreach (var phase in phases)
        {
            var baseline = phase.Failed || phase.Cores == CoreLayout.OneProcess ? null : phases.FirstOrDefault(b =>
                b.IsBaseline && !b.Failed && b.Distribution == phase.Distribution && b.DecisionsPerCall == phase.DecisionsPerCall && b.Cores == phase.Cores);
            phase.RankedAgainst = baseline?.Contender;
            phase.ThroughputVsBaseline = baseline is null ? null : phase.DecisionsPerSecond / baseline.DecisionsPerSecond;
            phase.PerCoreVsBaseline = phase.DecisionsPerServerCoreSecond / baseline?.DecisionsPerServerCoreSecond;
        }
    }
}
