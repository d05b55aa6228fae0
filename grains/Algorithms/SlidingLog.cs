using System.Diagnostics;
using GrainLimiter.Decisions;
using GrainLimiter.Policies;

namespace GrainLimiter.Grains.Algorithms;

/// <summary>Exact sliding window: a log of admitted units; a unit admitted at <c>t</c> counts until <c>t + window</c>.</summary>
/// <remarks>
/// State: <see cref="LimitState.Entries"/> = ring buffer of admission timestamps, one per unit of cost, oldest first
/// (a cost-N request records N entries). <see cref="LimitState.Previous"/> = index of the oldest entry,
/// <see cref="LimitState.Count"/> = number of live entries, <see cref="LimitState.Stamp"/> = latest time seen.
/// The buffer is created on the first charge and grows by doubling up to the limit, never beyond: memory is
/// at most one long per unit of the limit. Bound: at most <c>limit</c> units in every interval <c>[t, t + window)</c>.
/// Retry-after is exact in O(1): the entry that must expire is found by its position in the log.
/// </remarks>
public sealed class SlidingLog : LimitAlgorithm
{
    private const int InitialCapacity = 16;
    private readonly long _windowTicks;

    public SlidingLog(LimitSpec spec) : base(spec)
    {
        _windowTicks = PositiveSpan(spec.Window, "spec.Window");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(spec.Limit, Array.MaxLength, "spec.Limit");
    }

    public override LimitDecision Check(ref LimitState state, long now, long cost)
    {
        Validate(now, cost);
        Expire(ref state, now);
        var remaining = Math.Max(0, Limit - state.Count);
        if (cost <= remaining)
        {
            var resetAfter = cost > 0 ? Ticks(state.Stamp + _windowTicks - now) : ResetAfter(in state, now);
            return new LimitDecision(true, Limit, remaining - cost, resetAfter, TimeSpan.Zero);
        }

        if (cost > Limit)
        {
            return NeverAdmissible(remaining, ResetAfter(in state, now));
        }

        // The oldest (count + cost - limit) entries must expire; the last of them expires at its time + window.
        var mustExpire = state.Count + cost - Limit;
        var entry = At(in state, mustExpire - 1);
        return new LimitDecision(false, Limit, remaining, ResetAfter(in state, now), Until(entry + _windowTicks, now));
    }

    public override long Charge(ref LimitState state, long now, long cost)
    {
        Validate(now, cost);
        Expire(ref state, now);
        if (cost == 0)
        {
            return 0;
        }

        Debug.Assert(state.Count + cost <= Limit, "a charge follows a check that admitted it");
        EnsureCapacity(ref state, state.Count + cost);
        var entries = state.Entries!;
        var tail = Index(entries, state.Previous + state.Count);
        var first = (int)Math.Min(cost, entries.Length - tail);
        entries.AsSpan(tail, first).Fill(state.Stamp);
        entries.AsSpan(0, (int)cost - first).Fill(state.Stamp);
        state.Count += cost;
        Debug.Assert(state.Count <= Math.Min(Limit, entries.Length));
        return 0;
    }

    public override void Refund(ref LimitState state, long now, long cost, long leaseId)
    {
        Validate(now, cost);
        Expire(ref state, now);
        // The newest entries are the ones just charged.
        state.Count -= Math.Min(cost, state.Count);
        Debug.Assert(state.Count >= 0);
    }

    public override TimeSpan FreshAfter(in LimitState state, long now) => ResetAfter(in state, now);

    private TimeSpan ResetAfter(in LimitState state, long now) =>
        state.Count == 0 ? TimeSpan.Zero : Until(At(in state, state.Count - 1) + _windowTicks, now);

    /// <summary>Drops entries at least a window old; records <paramref name="now"/> as seen, never going back.</summary>
    private void Expire(ref LimitState state, long now)
    {
        // Entries stay in time order because a clock stepping back is treated as the latest time seen.
        state.Stamp = Math.Max(state.Stamp, now);
        if (state.Count == 0)
        {
            return;
        }

        var entries = state.Entries!;
        var cutoff = state.Stamp - _windowTicks;
        while (state.Count > 0 && entries[state.Previous] <= cutoff)
        {
            state.Previous = Index(entries, state.Previous + 1);
            state.Count--;
        }

        Debug.Assert(state.Count >= 0 && state.Count <= entries.Length);
    }

    private static long At(in LimitState state, long position) => state.Entries![Index(state.Entries, state.Previous + position)];

    private static int Index(long[] entries, long position) => (int)(position % entries.Length);

    private void EnsureCapacity(ref LimitState state, long needed)
    {
        var entries = state.Entries;
        if (entries is not null && entries.Length >= needed)
        {
            return;
        }

        var length = entries?.Length ?? 0;
        var capacity = (int)Math.Min(Limit, Math.Max(needed, Math.Max(InitialCapacity, 2L * length)));
        var grown = new long[capacity];
        for (var i = 0; i < state.Count; i++)
        {
            grown[i] = entries![Index(entries, state.Previous + i)];
        }

        state.Entries = grown;
        state.Previous = 0;
    }
}
