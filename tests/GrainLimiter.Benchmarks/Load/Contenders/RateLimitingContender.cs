using System.Threading.RateLimiting;

namespace GrainLimiter.Benchmarks.Load.Contenders;

/// <summary>
/// System.Threading.RateLimiting's <see cref="PartitionedRateLimiter"/> with a fixed window per key, in-process: the
/// single-machine, non-distributed reference (what <c>AddRateLimiter</c> gives an ASP.NET Core app on its own).
/// </summary>
internal sealed class RateLimitingContender(BenchLimits limits) : Contender
{
    // One partitioned limiter per limit, each a fixed window per key.
    private readonly PartitionedRateLimiter<string>[] _limiters = [.. Enum.GetValues<LimitKind>().Select(kind => Create(limits.Of(kind)))];

    public override string Name => "System.Threading.RateLimiting (in-process)";

    public override bool InProcess => true;

    public override ValueTask<int> CallAsync(string[] keys, LimitKind limit, CancellationToken cancellationToken)
    {
        var limiter = _limiters[(int)limit];
        var admitted = 0;
        foreach (var key in keys)
        {
            using var lease = limiter.AttemptAcquire(key);
            admitted += lease.IsAcquired ? 1 : 0;
        }

        return ValueTask.FromResult(admitted);
    }

    public override ValueTask DisposeAsync()
    {
        foreach (var limiter in _limiters)
        {
            limiter.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private static PartitionedRateLimiter<string> Create((long Limit, TimeSpan Window) limit) =>
        PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = (int)Math.Min(int.MaxValue, limit.Limit),
            Window = limit.Window,
            QueueLimit = 0,
        }));
}
