using Orleans.Placement;

namespace GrainLimiter.Benchmarks.Load.Bare;

/// <summary>The least a grain per key can do for a decision; placed as <c>LimitGrain</c> is.</summary>
[HashBasedPlacement]
internal sealed class BareCounterGrain : Grain, IBareCounterGrain
{
    private long _count;

    public ValueTask<bool> TryTakeAsync(long limit)
    {
        if (_count >= limit)
        {
            return ValueTask.FromResult(false);
        }

        _count++;
        return ValueTask.FromResult(true);
    }
}
