namespace GrainLimiter.Benchmarks.Adaptive;

/// <summary>An upstream whose capacity changes over time: a token bucket refilled at the capacity of the moment (a tenth of a
/// second of burst); a call that finds no token is answered 429.</summary>
public sealed class SimulatedUpstream(Func<TimeSpan, double> capacityPerSecond)
{
    private double _tokens;
    private TimeSpan _refilledAt;

    /// <summary>The capacity at <paramref name="at"/> (calls per second).</summary>
    public double CapacityAt(TimeSpan at) => capacityPerSecond(at);

    /// <summary>Whether a call at <paramref name="at"/> succeeds (false: 429).</summary>
    public bool Call(TimeSpan at)
    {
        var capacity = capacityPerSecond(at);
        _tokens = Math.Min(capacity / 10, _tokens + (at - _refilledAt).TotalSeconds * capacity);
        _refilledAt = at;
        if (_tokens < 1)
        {
            return false;
        }

        _tokens -= 1;
        return true;
    }
}
