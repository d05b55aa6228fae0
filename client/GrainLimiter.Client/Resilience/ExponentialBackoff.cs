namespace GrainLimiter.Client.Resilience;

/// <summary>Delays that double from <c>initial</c> up to <c>max</c>, with "equal jitter": half fixed, half random, so
/// callers hit together spread out while still backing off at least half the nominal delay.</summary>
/// <remarks>Not thread-safe; the owner locks. The sequence restarts once a quiet period of twice the last delay passed.</remarks>
internal sealed class ExponentialBackoff(TimeSpan initial, TimeSpan max, Random random)
{
    private int _attempt;
    private TimeSpan _last;
    private TimeSpan _lastAt;

    /// <summary>The next delay, <paramref name="now"/> being any monotonic time of the caller's clock.</summary>
    public TimeSpan Next(TimeSpan now)
    {
        if (_attempt > 0 && now - _lastAt > _last * 2)
        {
            _attempt = 0;
        }

        // Capped before doubling so the shift never overflows.
        var nominalTicks = Math.Min(max.Ticks, initial.Ticks << Math.Min(_attempt, 30));
        var half = nominalTicks / 2;
        _last = TimeSpan.FromTicks(half + (long)(random.NextDouble() * (nominalTicks - half)));
        _lastAt = now;
        _attempt++;
        return _last;
    }

    /// <summary>Starts over (the upstream gave an explicit Retry-After).</summary>
    public void Reset() => _attempt = 0;
}
