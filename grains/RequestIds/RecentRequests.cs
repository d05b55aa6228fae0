using GrainLimiter.Decisions;

namespace GrainLimiter.Grains.RequestIds;

/// <summary>What one key answered its most recent request ids, so a retried check (a client failing over to another silo) is
/// answered again instead of charged again.</summary>
/// <remarks>
/// Bounded twice: an id is remembered for <c>window</c>, and at most <c>capacity</c> ids are (the oldest forgotten first, so a
/// flood of ids costs a key at most <c>capacity</c> entries). It lives in the activation only: a grain that moves or restarts
/// forgets every id. Time is a monotonic timestamp, passed in.
/// </remarks>
public sealed class RecentRequests
{
    private readonly Dictionary<string, Remembered> _byId = new(StringComparer.Ordinal);
    // In the order remembered, so also in the order they expire; an entry refunded meanwhile stays here until its turn.
    private readonly Queue<(string Id, Remembered Entry)> _oldestFirst = new();
    private readonly int _capacity;
    private readonly long _window;

    /// <param name="capacity">The most ids remembered at once.</param>
    /// <param name="window">How long an id is remembered.</param>
    /// <param name="timestampFrequency">Timestamps per second of the clock <c>now</c> is read from.</param>
    public RecentRequests(int capacity, TimeSpan window, long timestampFrequency)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        _capacity = capacity;
        _window = (long)(window.TotalSeconds * timestampFrequency);
    }

    /// <summary>What <paramref name="requestId"/> was answered within the window, when it was asked with the same costs; null otherwise
    /// (a check that reuses another's id is decided as a new one).</summary>
    public GrainDecision[]? Find(string requestId, long[] costs, long now)
    {
        Expire(now);
        return _byId.TryGetValue(requestId, out var entry) && entry.Costs.AsSpan().SequenceEqual(costs) ? entry.Answers : null;
    }

    /// <summary>Remembers the first answers to <paramref name="requestId"/>; an id already remembered keeps its first answers.</summary>
    public void Remember(string requestId, long[] costs, GrainDecision[] answers, long now)
    {
        Expire(now);
        if (_byId.ContainsKey(requestId))
        {
            return;
        }

        while (_oldestFirst.Count >= _capacity)
        {
            ForgetOldest();
        }

        var entry = new Remembered(costs, answers, now);
        _byId.Add(requestId, entry);
        _oldestFirst.Enqueue((requestId, entry));
    }

    /// <summary>Takes <paramref name="requestId"/> out for its refund: what it charged, once. Null when it is not remembered (refunded
    /// already, or forgotten: its charge then stays, under-admission, never over).</summary>
    public Remembered? TakeOut(string requestId) => _byId.Remove(requestId, out var entry) ? entry : null;

    private void Expire(long now)
    {
        while (_oldestFirst.TryPeek(out var oldest) && now - oldest.Entry.At >= _window)
        {
            ForgetOldest();
        }
    }

    private void ForgetOldest()
    {
        var (id, entry) = _oldestFirst.Dequeue();
        // Only the entry queued: the id may have been taken out (refunded) since, and remembered again.
        if (_byId.TryGetValue(id, out var current) && ReferenceEquals(current, entry))
        {
            _byId.Remove(id);
        }
    }

    /// <summary>One id's first answers: one per cost, in item order; <see cref="GrainDecision.Charged"/> says which charged.</summary>
    public sealed record Remembered(long[] Costs, GrainDecision[] Answers, long At);
}
