namespace GrainLimiter.Silo.Runtime.Cluster.Membership;

/// <summary>Which peers answer: a failed call or probe makes a peer suspect; staying unreachable for <c>DeadAfter</c> makes it dead.</summary>
/// <remarks>A dead peer that answers a probe again is alive again (static and DNS membership have no incarnations).</remarks>
public sealed class FailureDetector(TimeProvider time, TimeSpan deadAfter)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, long> _failingSince = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dead = new(StringComparer.Ordinal);

    /// <returns>True when the peer was dead and is alive again (the view must change).</returns>
    public bool RecordSuccess(string peer)
    {
        lock (_lock)
        {
            _failingSince.Remove(peer);
            return _dead.Remove(peer);
        }
    }

    /// <returns>True when this failure made the peer dead (the view must change).</returns>
    public bool RecordFailure(string peer)
    {
        var now = time.GetTimestamp();
        lock (_lock)
        {
            if (!_failingSince.TryGetValue(peer, out var since))
            {
                _failingSince[peer] = now;
                return false;
            }

            return time.GetElapsedTime(since, now) >= deadAfter && _dead.Add(peer);
        }
    }

    public bool IsSuspect(string peer)
    {
        lock (_lock) return _failingSince.ContainsKey(peer);
    }

    public bool IsDead(string peer)
    {
        lock (_lock) return _dead.Contains(peer);
    }
}
