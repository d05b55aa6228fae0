using System.Threading.RateLimiting;

namespace GrainLimiter.Client.AspNetCore.RateLimiting;

/// <summary>The <see cref="RateLimiter"/> of one partition of an endpoint policy: every acquisition is a cluster check of its key.</summary>
/// <remarks>Holds no counts, only the time of last use, so ASP.NET Core drops it once idle (memory stays bounded however many keys).</remarks>
internal sealed class ClusterKeyRateLimiter(GrainLimiterClient client, ClusterKey key, TimeProvider time) : RateLimiter
{
    private long _lastUsed = time.GetTimestamp();

    public override TimeSpan? IdleDuration => time.GetElapsedTime(Interlocked.Read(ref _lastUsed));

    public override RateLimiterStatistics? GetStatistics() => null;

    protected override RateLimitLease AttemptAcquireCore(int permitCount) => ClusterLease.Undecided;

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        Interlocked.Exchange(ref _lastUsed, time.GetTimestamp());
        var decision = await client.CheckAsync(key.Policy, key.Key, permitCount, cancellationToken).ConfigureAwait(false);
        return new ClusterLease(new(decision.Allowed, [decision]));
    }
}
