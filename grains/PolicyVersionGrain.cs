namespace GrainLimiter.Grains;

/// <summary>The cluster's policy reload counter (<see cref="IPolicyVersionGrain"/>).</summary>
public sealed class PolicyVersionGrain : Grain, IPolicyVersionGrain
{
    // Starts from the activation time so a reactivated grain never repeats an earlier number.
    private long _version = DateTime.UtcNow.Ticks;

    public ValueTask<long> AnnounceAsync() => ValueTask.FromResult(++_version);

    public ValueTask<long> CurrentAsync() => ValueTask.FromResult(_version);
}
