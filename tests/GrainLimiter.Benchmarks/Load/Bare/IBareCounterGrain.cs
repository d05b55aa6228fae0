namespace GrainLimiter.Benchmarks.Load.Bare;

/// <summary>A counter with a cap and nothing else: no policy, window, store or metrics. Benchmark only.</summary>
[Alias("GrainLimiter.Benchmarks.IBareCounterGrain")]
public interface IBareCounterGrain : IGrainWithStringKey
{
    /// <summary>Counts one and answers true while the count is below <paramref name="limit"/>; false after.</summary>
    [Alias("TryTake")]
    ValueTask<bool> TryTakeAsync(long limit);
}
