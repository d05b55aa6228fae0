namespace GrainLimiter.Grains;

/// <summary>Logs at most once per interval: an outage fails every call at once, and one line says as much as a thousand.</summary>
/// <remarks>Thread-safe and lock-free: of the callers that find the interval over, exactly one wins.</remarks>
/// <param name="intervalMs">The least time between two lines, in milliseconds.</param>
public sealed class LogThrottle(long intervalMs = LogThrottle.DefaultIntervalMs)
{
    /// <summary>Ten seconds: often enough to see an outage go on, rarely enough not to flood the log.</summary>
    public const long DefaultIntervalMs = 10_000;

    // The first call always logs.
    private long _lastLogged = Environment.TickCount64 - intervalMs;

    /// <summary>True for the first call, then for at most one call per interval.</summary>
    public bool ShouldLog()
    {
        var last = Interlocked.Read(ref _lastLogged);
        var now = Environment.TickCount64;
        return now - last >= intervalMs && Interlocked.CompareExchange(ref _lastLogged, now, last) == last;
    }
}
