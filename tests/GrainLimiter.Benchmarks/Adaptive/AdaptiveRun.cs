namespace GrainLimiter.Benchmarks.Adaptive;

/// <summary>What one limiter made of the simulated upstream.</summary>
/// <param name="Goodput">Calls the upstream served.</param>
/// <param name="Rejected">Calls the upstream answered 429.</param>
/// <param name="Ideal">What a limiter that knew the capacity at every moment would have had served: min(demand, capacity) summed.</param>
/// <param name="AdaptedAfterDrop">From the drop until the limit in force first reached the new capacity; null if it never did.</param>
/// <param name="RecoveredAfterRise">From the recovery until the limit in force first reached 90 % of the restored capacity; null if never.</param>
public sealed record AdaptiveRun(string Limiter, long Goodput, long Rejected, long Ideal, TimeSpan? AdaptedAfterDrop, TimeSpan? RecoveredAfterRise)
{
    public long Sent => Goodput + Rejected;

    public double GoodputShare => Ideal == 0 ? 0 : (double)Goodput / Ideal;

    public double RejectedShare => Sent == 0 ? 0 : (double)Rejected / Sent;
}
