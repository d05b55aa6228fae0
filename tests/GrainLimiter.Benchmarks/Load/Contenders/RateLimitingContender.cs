using System.Threading.RateLimiting;

namespace GrainLimiter.Benchmarks.Load.Contenders;

/// <summary>
/// System.Threading.RateLimiting's <see cref="PartitionedRateLimiter"/> with a fixed window per key, in-process: the
/// single-machine, non-distributed reference (what <c>AddRateLimiter</c> gives an ASP.NET Core app on its own).
/// </summary>
internal sealed class RateLimitingContender(int accuracyLimit) : Contender
{
    private readonly PartitionedRateLimiter<string> _open = Create(1_000_000_000);
    private readonly PartitionedRateLimiter<string> _accuracy = Create(accuracyLimit);

    public override string Name => "System.Threading.RateLimiting (in-process)";

    public override bool InProcess => true;

    public override ValueTask<int> CallAsync(string[] keys, LimitKind limit, CancellationToken cancellationToken)
    {
        var limiter = limit == LimitKind.Open ? _open : _accuracy;
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
        _open.Dispose();
        _accuracy.Dispose();
        return ValueTask.CompletedTask;
    }

    private static PartitionedRateLimiter<string> Create(int permits) =>
        PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = TimeSpan.FromHours(1),
            QueueLimit = 0,
        }));
}
