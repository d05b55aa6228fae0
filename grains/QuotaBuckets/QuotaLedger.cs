using System.Diagnostics;
using GrainLimiter.QuotaBuckets;

namespace GrainLimiter.Grains.QuotaBuckets;

/// <summary>The state machine of one quota bucket: the streams reporting it, their demands, and every assignment that may
/// still be in force in an Envoy. Pure: time comes in as UTC ticks; the Orleans grain (<see cref="QuotaBucketGrain"/>) runs it.</summary>
/// <remarks>
/// An assignment counts from when it is sent until it expires, whatever is sent after it: Envoy may not have the next
/// one yet, or may reuse an expired one. A stream's reservation is the largest of its assignments not yet expired, and a
/// new assignment never takes a stream beyond what the others' reservations leave, so the reservations of all streams
/// (those that left and, after a re-activation, the whole limit until the lost assignments expire) never add up to more
/// than the limit. Shares follow demand (<see cref="FairShare"/>); a share taken from one stream reaches another once the
/// first stream's larger assignments expire, within one assignment TTL.
/// </remarks>
public sealed class QuotaLedger(long quarantinedUntil = 0)
{
    /// <summary>An assignment counts this much longer than its TTL: Envoy starts its TTL when the assignment arrives.</summary>
    public static readonly TimeSpan TransitAllowance = TimeSpan.FromSeconds(1);

    // Assignments kept per stream; beyond, the two oldest merge into one that is as large and lasts as long as either.
    private const int MaxGrants = 8;
    // Demand is capped so sums of many streams never overflow.
    private const long MaxDemand = 1_000_000_000_000_000;
    private readonly Dictionary<string, StreamState> _streams = new(StringComparer.Ordinal);
    private readonly List<Grant> _departed = [];

    /// <summary>The entry the bucket was last reported under.</summary>
    public QuotaBucketSpec? Spec { get; private set; }

    /// <summary>Until then nothing is assigned: a re-activated bucket does not know what its earlier activation assigned.</summary>
    public long QuarantinedUntil { get; } = quarantinedUntil;

    public int StreamCount => _streams.Count;

    /// <summary>A stream's report (<paramref name="usage"/> null: a refresh); answers its assignment.</summary>
    /// <param name="durableUntil">The horizon the grain has stored; no assignment counts beyond it (TTL and
    /// <see cref="TransitAllowance"/>), so a re-activation always knows how long to wait.</param>
    public QuotaAnswer Report(string stream, QuotaBucketSpec spec, QuotaUsage? usage, long now, long durableUntil)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(spec);
        Spec = spec;
        Prune(now, except: stream);
        if (!_streams.TryGetValue(stream, out var state))
        {
            _streams[stream] = state = new StreamState { LastActive = now };
        }

        state.LastHeard = now;
        if (usage is { } report)
        {
            state.Demand = Demand(report, spec.Window);
            if (report.Allowed + report.Denied > 0)
            {
                state.LastActive = now;
            }
        }

        if (now - state.LastActive >= spec.AbandonAfter.Ticks)
        {
            Depart(stream, state);
            return new QuotaAnswer(QuotaAction.Abandon);
        }

        var expiresAt = Math.Min(now + spec.AssignmentTtl.Ticks, durableUntil - TransitAllowance.Ticks);
        if (now < QuarantinedUntil || expiresAt <= now)
        {
            return new QuotaAnswer(QuotaAction.None);
        }

        var reservedBefore = Reserved(now);
        var others = reservedBefore - state.Reserved(now);
        var share = Math.Clamp(Target(stream, spec.Limit), 0, Math.Max(0, spec.Limit - others));
        state.Add(new Grant(share, expiresAt + TransitAllowance.Ticks));
        state.Share = share;
        Debug.Assert(Reserved(now) <= Math.Max(spec.Limit, reservedBefore), "assignments never add up to more than the limit");
        return new QuotaAnswer(QuotaAction.Assign, share, TimeSpan.FromTicks(expiresAt - now));
    }

    /// <summary>The stream closed: its demand no longer takes a share; its assignments count until they expire.</summary>
    public void Leave(string stream, long now)
    {
        if (_streams.TryGetValue(stream, out var state))
        {
            Depart(stream, state);
        }

        Prune(now, except: null);
    }

    /// <summary>What the assignments that may be in force add up to.</summary>
    public long Reserved(long now)
    {
        var total = now < QuarantinedUntil && Spec is { } spec ? spec.Limit : 0;
        foreach (var state in _streams.Values)
        {
            total += state.Reserved(now);
        }

        foreach (var grant in _departed)
        {
            total += grant.ExpiresAt > now ? grant.Amount : 0;
        }

        return total;
    }

    /// <summary>Nothing left to remember: no stream, no assignment in force.</summary>
    public bool IsIdle(long now) => _streams.Count == 0 && Reserved(now) == 0;

    public QuotaBucketView View(long now)
    {
        Prune(now, except: null);
        var streams = _streams.OrderBy(static s => s.Key, StringComparer.Ordinal).Select(s => new QuotaStreamView(
            s.Key, s.Value.Demand, s.Value.Share, s.Value.Reserved(now),
            s.Value.LatestExpiry > now ? new DateTimeOffset(s.Value.LatestExpiry, TimeSpan.Zero) : null,
            new DateTimeOffset(s.Value.LastHeard, TimeSpan.Zero)));
        return new QuotaBucketView(Spec, Reserved(now), now < QuarantinedUntil ? new DateTimeOffset(QuarantinedUntil, TimeSpan.Zero) : null, [.. streams]);
    }

    // This stream's max-min fair share of the limit among the live streams' demands.
    private long Target(string stream, long limit)
    {
        var ids = _streams.Keys.Order(StringComparer.Ordinal).ToArray();
        var shares = FairShare.Allocate(limit, [.. ids.Select(id => _streams[id].Demand)]);
        return shares[Array.IndexOf(ids, stream)];
    }

    // Requests per window the report asks for: allowed and denied alike, scaled from its interval to the window.
    private static long Demand(QuotaUsage usage, TimeSpan window)
    {
        var requests = (Int128)usage.Allowed + usage.Denied;
        var elapsed = Math.Max(1, usage.Elapsed.Ticks);
        var perWindow = ((requests * window.Ticks) + elapsed - 1) / elapsed;
        return (long)Int128.Min(perWindow, MaxDemand);
    }

    private void Depart(string stream, StreamState state)
    {
        _streams.Remove(stream);
        _departed.AddRange(state.Grants);
    }

    // Expired assignments go; a stream not heard from for two TTLs could not refresh its assignments: it has left.
    private void Prune(long now, string? except)
    {
        _departed.RemoveAll(g => g.ExpiresAt <= now);
        var silent = Spec is null ? long.MaxValue : 2 * Spec.AssignmentTtl.Ticks;
        foreach (var (id, state) in _streams.ToArray())
        {
            state.Grants.RemoveAll(g => g.ExpiresAt <= now);
            if (id != except && now - state.LastHeard > silent)
            {
                Depart(id, state);
            }
        }
    }

    private readonly record struct Grant(long Amount, long ExpiresAt);

    private sealed class StreamState
    {
        public long Demand;
        public long Share;
        public long LastHeard;
        public long LastActive;
        public readonly List<Grant> Grants = [];

        public long LatestExpiry => Grants.Count == 0 ? 0 : Grants.Max(static g => g.ExpiresAt);

        public long Reserved(long now)
        {
            long largest = 0;
            foreach (var grant in Grants)
            {
                largest = grant.ExpiresAt > now && grant.Amount > largest ? grant.Amount : largest;
            }

            return largest;
        }

        // A new assignment outlives every earlier one: those no larger than it no longer matter.
        public void Add(Grant grant)
        {
            Grants.RemoveAll(g => g.Amount <= grant.Amount && g.ExpiresAt <= grant.ExpiresAt);
            Grants.Add(grant);
            if (Grants.Count > MaxGrants)
            {
                Grants[1] = new Grant(Math.Max(Grants[0].Amount, Grants[1].Amount), Math.Max(Grants[0].ExpiresAt, Grants[1].ExpiresAt));
                Grants.RemoveAt(0);
            }
        }
    }
}
