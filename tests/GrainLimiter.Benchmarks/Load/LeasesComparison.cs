using System.Text.Json.Serialization;

namespace GrainLimiter.Benchmarks.Load;

/// <summary>One GrainLimiter row with leases over its twin with leases off (same contender, keys and run).</summary>
/// <remarks>The two rows themselves are in the report's phases; the JSON carries only the ratios.</remarks>
internal sealed record LeasesPair(string Contender, string Distribution, [property: JsonIgnore] PhaseResult On, [property: JsonIgnore] PhaseResult Off)
{
    /// <summary>Decisions per second with leases over without; null when either row failed.</summary>
    public double? ThroughputOnVsOff => On.Failed || Off.Failed || Off.DecisionsPerSecond <= 0 ? null : On.DecisionsPerSecond / Off.DecisionsPerSecond;

    /// <summary>Decisions per server-core-second with leases over without; null when either failed or was not measured per core.</summary>
    public double? PerCoreOnVsOff => On.Failed || Off.Failed ? null : On.DecisionsPerServerCoreSecond / Off.DecisionsPerServerCoreSecond;
}

/// <summary>Pairs every row run with leases off (<see cref="PhaseResult.LeasesOffSuffix"/>) with the row of the same contender and
/// keys run with them, in the order of the rows with leases.</summary>
internal static class LeasesComparison
{
    public static List<LeasesPair> Pairs(IReadOnlyList<PhaseResult> phases) =>
        [.. phases
            .Where(p => !p.Contender.EndsWith(PhaseResult.LeasesOffSuffix, StringComparison.Ordinal))
            .Select(on => (On: on, Off: phases.FirstOrDefault(off => off.Contender == on.Contender + PhaseResult.LeasesOffSuffix
                && off.Distribution == on.Distribution)))
            .Where(pair => pair.Off is not null)
            .Select(pair => new LeasesPair(pair.On.Contender, pair.On.Distribution, pair.On, pair.Off!))];
}
