using GrainLimiter.Decisions;
using GrainLimiter.Grains.Persistence;

namespace GrainLimiter.Grains;

// A global policy's counts: every region's hits, merged from the peers' reports, and the fair share while a peer is down.
public sealed partial class KeyLimits
{
    /// <summary>Global keys: this region's view of every region's hits, to send to the peer regions.</summary>
    public GlobalCounts RegionCounts()
    {
        var counts = new List<WindowCount>();
        for (var i = 0; _regions is not null && i < _regions.Length; i++)
        {
            foreach (var count in _regions[i].Counts)
            {
                counts.Add(count with { Limit = i });
            }
        }

        return new GlobalCounts(ResetEpoch, [.. counts]);
    }

    /// <summary>Global keys: merges another region's view (max per region and window); a later reset epoch resets first.</summary>
    /// <returns>Whether anything changed: repeated, reordered and stale reports change nothing.</returns>
    public bool MergeRegionCounts(long now, GlobalCounts counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        ExpireOverride(now);
        if (_regions is null || counts.Epoch < ResetEpoch)
        {
            return false;
        }

        var changed = false;
        if (counts.Epoch > ResetEpoch)
        {
            ResetTo(counts.Epoch);
            changed = true;
        }

        foreach (var count in counts.Counts)
        {
            if ((uint)count.Limit >= (uint)_regions.Length || count.Count <= 0 || count.Region is null)
            {
                continue;
            }

            var rose = _regions[count.Limit].Merge(count.Region, count.Window, count.Count);
            if (rose > 0)
            {
                Algorithm(count.Limit).AbsorbRemote(ref State(count.Limit), now, count.Window, rose);
                changed = true;
            }
        }

        IsDirty |= changed;
        return changed;
    }

    /// <summary>Restores the persisted reset epoch and region counts (<see cref="GrainStateCodec"/>).</summary>
    internal void RestoreRegionCounts(long epoch, IEnumerable<WindowCount> counts)
    {
        if (_regions is null)
        {
            return;
        }

        ResetEpoch = epoch;
        foreach (var count in counts)
        {
            if ((uint)count.Limit < (uint)_regions.Length && count.Count > 0)
            {
                _regions[count.Limit].Merge(count.Region, count.Window, count.Count);
            }
        }
    }

    // Every region's hits counted as this region's; while a peer is down, capped at this region's fair share.
    private LimitDecision CheckGlobal(int i, long now, long cost)
    {
        var algorithm = Algorithm(i);
        ref var state = ref State(i);
        var window = algorithm.GlobalWindow(ref state, now);
        var previous = algorithm.PreviousGlobalWindow(window);
        var counter = _regions![i];
        var decision = algorithm.CheckGlobal(ref state, now, cost, counter.Total(window), previous < 0 ? 0 : counter.Total(previous));
        if (Health.PartitionEpoch == 0)
        {
            _shares = null;
            return decision;
        }

        _shares ??= new FairShare[LimitCount];
        ref var share = ref _shares[i];
        if (share.Epoch != Health.PartitionEpoch || share.Window != window)
        {
            // What remained when the partition began (or this window started) is split evenly between all regions.
            var remaining = decision.Allowed ? decision.Remaining + cost : decision.Remaining;
            share = new FairShare { Epoch = Health.PartitionEpoch, Window = window, Left = remaining / Math.Max(1, Health.Regions) };
        }

        if (decision.Allowed && cost > share.Left)
        {
            var retry = decision.ResetAfter > TimeSpan.Zero ? decision.ResetAfter : TimeSpan.FromSeconds(1);
            return decision with { Allowed = false, Remaining = Math.Max(0, share.Left), RetryAfter = retry, Wait = TimeSpan.Zero };
        }

        return decision.Allowed ? decision with { Remaining = Math.Min(decision.Remaining, share.Left - cost) } : decision;
    }

    private struct FairShare
    {
        public long Epoch;
        public long Window;
        public long Left;
    }
}
