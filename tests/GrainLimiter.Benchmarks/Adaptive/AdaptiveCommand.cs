using System.Globalization;

namespace GrainLimiter.Benchmarks.Adaptive;

/// <summary>"adaptive": the simulation of a static limit and adaptive ones over an upstream whose capacity drops and recovers, as a
/// Markdown table (deterministic: simulated time, the grain's own decision code).</summary>
public static class AdaptiveCommand
{
    public static int Run(TextWriter output)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Callers want {AdaptiveSimulation.Demand}/s for {3 * AdaptiveSimulation.Phase.TotalSeconds} s; the upstream serves " +
            $"{AdaptiveSimulation.Capacity}/s, {AdaptiveSimulation.DroppedCapacity}/s from {AdaptiveSimulation.Phase.TotalSeconds} s to " +
            $"{2 * AdaptiveSimulation.Phase.TotalSeconds} s, then {AdaptiveSimulation.Capacity}/s again."));
        output.WriteLine();
        output.WriteLine("| limiter | goodput (of ideal) | upstream 429s (of calls sent) | limit at the new capacity after the drop " +
            "| limit at 90 % after the recovery |");
        output.WriteLine("|---|---|---|---|---|");
        foreach (var run in AdaptiveSimulation.RunAll())
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {run.Limiter} | {run.Goodput:N0} ({run.GoodputShare:P1}) | {run.Rejected:N0} ({run.RejectedShare:P1}) " +
                $"| {Seconds(run.AdaptedAfterDrop)} | {Seconds(run.RecoveredAfterRise)} |"));
        }

        return 0;
    }

    private static string Seconds(TimeSpan? span) => span is { } s ? string.Create(CultureInfo.InvariantCulture, $"{s.TotalSeconds:0.0} s") : "never";
}
