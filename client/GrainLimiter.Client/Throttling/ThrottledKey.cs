using GrainLimiter.Client.Resilience;

namespace GrainLimiter.Client.Throttling;

/// <summary>What one process keeps about one throttled key: its turnstile, a local copy of the pause, the 429 backoff, whether its policy
/// wants upstream outcomes.</summary>
internal sealed class ThrottledKey(string key, string policy, OutboundThrottleOptions options, TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly ExponentialBackoff _backoff = new(options.BackoffInitial, options.BackoffMax, Random.Shared);
    private long _pausedUntil = long.MinValue;
    private bool _reportsOutcomes;

    public string Key { get; } = key;

    public string Policy { get; } = policy;

    public PriorityTurnstile Turnstile { get; } = new();

    /// <summary>The key's policy adapts to how upstream calls fare, as the cluster's last decision for it said.</summary>
    public bool ReportsOutcomes
    {
        get => Volatile.Read(ref _reportsOutcomes);
        set => Volatile.Write(ref _reportsOutcomes, value);
    }

    /// <summary>What is left of the local pause; zero when none.</summary>
    public TimeSpan PauseLeft()
    {
        var now = time.GetTimestamp();
        var until = Interlocked.Read(ref _pausedUntil);
        return until > now ? time.GetElapsedTime(now, until) : TimeSpan.Zero;
    }

    /// <summary>Pauses locally for <paramref name="retryAfter"/>, or for the next backoff delay when the upstream gave none.</summary>
    public TimeSpan Pause(TimeSpan? retryAfter)
    {
        var now = time.GetTimestamp();
        TimeSpan pause;
        lock (_lock)
        {
            if (retryAfter is { } explicitDelay)
            {
                _backoff.Reset();
                pause = explicitDelay;
            }
            else
            {
                pause = _backoff.Next(TimeSpan.FromSeconds(now / (double)time.TimestampFrequency));
            }

            var until = now + (long)(pause.TotalSeconds * time.TimestampFrequency);
            _pausedUntil = Math.Max(_pausedUntil, until);
        }

        return pause;
    }
}
