using System.Collections.Concurrent;
using GrainLimiter.Decisions;
using GrainLimiter.Grains;
using Microsoft.Extensions.Logging;

namespace GrainLimiter.Leases;

/// <summary>A lease holder (a silo's front, an in-process client): decides hot keys from their leases and cached denials without an
/// Orleans call, asks their grains for leases, gives unused units back, and drops a key's lease and denial when its grain says so.</summary>
/// <remarks>
/// A key is held only once it is asked here <c>minAsks</c> times within one lease period (<c>ttl</c>); at most <see cref="MaxHeldKeys"/>
/// keys are held at once (the owner calls <see cref="ForgetIdle"/> to drop idle ones, <see cref="ReturnExpiredAsync"/> every period).
/// Every call names the version of the key's policy it is decided under (a silo's compiled policy, which a reload replaces): what was
/// leased or denied under another version is never used.
/// </remarks>
public sealed partial class LeaseHolder : ILeaseHolder
{
    /// <summary>The most keys this holder tracks; a key flood beyond it is decided call by call.</summary>
    public const int MaxHeldKeys = 100_000;

    /// <summary>What <c>decidedHere</c> is told: a call admitted from a lease, or denied from a cached denial.</summary>
    public const string DecidedByLease = "lease";

    public const string DecidedByDenial = "cached_denial";

    private readonly ConcurrentDictionary<(string Policy, string Key), KeyHold> _holds = new();
    // _holds.Count takes every lock of the dictionary: on the path of each new key it cost more than the decision.
    private int _heldKeys;
    private readonly AskFilter _askedBefore;
    // The holds with a lease in them, for the sweep that gives back expired ones.
    private readonly ConcurrentDictionary<(string Policy, string Key), KeyHold> _leased = new();
    private readonly IGrainFactory _grains;
    private readonly TimeProvider _time;
    private readonly Action<string>? _decidedHere;
    private readonly ILogger<LeaseHolder> _logger;
    private readonly long _period;
    private readonly int _minAsks;
    private ILeaseHolder? _reference;

    /// <param name="grains">Where the keys' grains are (a silo's grain factory, an Orleans client).</param>
    /// <param name="time">The monotonic clock leases expire on.</param>
    /// <param name="ttl">The lease period: how often expired leases should be given back, and the window a key's asks are counted in.</param>
    /// <param name="minAsks">Asks within one period that make a key hot here.</param>
    /// <param name="decidedHere">Told <see cref="DecidedByLease"/> or <see cref="DecidedByDenial"/> for each call decided here (metrics).</param>
    public LeaseHolder(IGrainFactory grains, TimeProvider time, TimeSpan ttl, int minAsks, ILogger<LeaseHolder> logger, Action<string>? decidedHere = null)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(minAsks);
        _grains = grains;
        _time = time;
        _decidedHere = decidedHere;
        _logger = logger;
        Ttl = ttl;
        _period = Timestamp(ttl);
        _minAsks = minAsks;
        _askedBefore = new AskFilter(Math.Max(1, _period));
    }

    /// <summary>Who this holder is to the grains; new for every process, so a restarted silo or client is a new holder.</summary>
    public string Id { get; } = Guid.NewGuid().ToString("N");

    public TimeSpan Ttl { get; }

    /// <summary>Keys tracked here (tests and diagnostics).</summary>
    public int HeldKeys => Volatile.Read(ref _heldKeys);

    /// <summary>Whether the key is tracked here (tests and diagnostics).</summary>
    public bool Holds(string policy, string key) => _holds.ContainsKey((policy, key));

    /// <summary>Units of the key's lease still to admit here (tests and diagnostics).</summary>
    public long HeldUnits(string policy, string key) =>
        _holds.TryGetValue((policy, key), out var hold) && hold.Lease is { } lease && !lease.HasExpired(_time.GetTimestamp()) ? lease.Left : 0;

    /// <summary>Whether a denial of the key is answered here now (tests and diagnostics).</summary>
    public bool DeniesHere(string policy, string key) =>
        _holds.TryGetValue((policy, key), out var hold) && hold.Denial is { } denial && _time.GetTimestamp() < denial.Until;

    /// <summary>Becomes reachable by the grains (an observer reference); until then every call goes to its grain as before.</summary>
    /// <remarks>Called outside any grain (as the silo starts, once a client connected): Orleans refuses to make the reference inside one.</remarks>
    public void Start() => Volatile.Write(ref _reference, _grains.CreateObjectReference<ILeaseHolder>(this));

    /// <summary>No longer reachable: the silo or client stops.</summary>
    public void Stop()
    {
        if (Interlocked.Exchange(ref _reference, null) is { } reference)
        {
            _grains.DeleteObjectReference<ILeaseHolder>(reference);
        }
    }

    /// <summary>Decides <paramref name="request"/> here when a lease or a cached denial of its key can: no Orleans call.</summary>
    /// <param name="taken">The lease the units were taken from (to put them back if another key of the check denies it).</param>
    /// <param name="denialsOnly">Only a cached denial may answer (a check with a request id: its grain must see every charge of it).</param>
    public bool TryDecide(in CheckRequest request, object version, out GrainDecision answer, out HeldLease? taken, bool denialsOnly = false)
    {
        answer = default;
        taken = null;
        if (request.Cost <= 0 || !_holds.TryGetValue((request.Policy, request.Key), out var hold) || !ReferenceEquals(hold.Version, version))
        {
            return false;
        }

        var now = _time.GetTimestamp();
        hold.Seen(now);
        if (hold.Denial is { } denial)
        {
            if (now < denial.Until)
            {
                if (request.Cost >= denial.Cost)
                {
                    answer = LocalAnswers.Denied(denial, _time.GetElapsedTime(denial.At, now));
                    _decidedHere?.Invoke(DecidedByDenial);
                    return true;
                }
            }
            else
            {
                hold.ForgetDenial(denial);
            }
        }

        if (!denialsOnly && hold.Lease is { } lease && lease.TryTake(request.Cost, now) is var left and >= 0)
        {
            answer = LocalAnswers.Admitted(lease, left, _time.GetElapsedTime(lease.GrantedAt, now));
            taken = lease;
            _decidedHere?.Invoke(DecidedByLease);
            return true;
        }

        return false;
    }

    /// <summary>Whether a call that reaches the grain should go as a holder's (<see cref="AskAsync"/>): the key is hot here.</summary>
    /// <param name="track">Whether a key not yet held here starts being counted; false where only keys a front already accepted are held.</param>
    public bool ShouldAsk(in CheckRequest request, object version, bool track = true)
    {
        if (request.Cost <= 0 || Volatile.Read(ref _reference) is null)
        {
            return false;
        }

        var now = _time.GetTimestamp();
        var hold = Hold(request, version, now, track);
        return hold is not null && hold.Asked(now, _period, _minAsks);
    }

    /// <summary>Asks the key's grain as a holder (<see cref="BeginAsk"/>, then <see cref="EndAsk"/>).</summary>
    public async ValueTask<GrainDecision> AskAsync(ILimitGrain grain, CheckRequest request, object version)
    {
        ArgumentNullException.ThrowIfNull(grain);
        if (BeginAsk(request, version) is not { } ask)
        {
            return await grain.AcquireAsync(request.Cost).ConfigureAwait(false);
        }

        var answer = await grain.AcquireLeasedAsync(request.Cost, ask.Ask).ConfigureAwait(false);
        EndAsk(ask, answer);
        return answer.Decision;
    }

    /// <summary>Starts an ask: gives back the key's spent or expired lease in it. Null when this holder is stopped (decide normally).</summary>
    public PendingAsk? BeginAsk(in CheckRequest request, object version)
    {
        ArgumentNullException.ThrowIfNull(version);
        var sentAt = _time.GetTimestamp();
        var hold = Hold(request, version, sentAt, track: false);
        var returned = LeaseReturn.None;
        if (hold?.Lease is { } spent && (spent.HasExpired(sentAt) || spent.Left < request.Cost) && hold.TryTakeOut(spent))
        {
            returned = new LeaseReturn(spent.Id, spent.Close());
        }

        // ShouldAsk saw the reference; a stop in between makes this an ordinary call (what was taken out is lost: under-admission).
        return Volatile.Read(ref _reference) is { } reference
            ? new PendingAsk(new LeaseAsk(Id, reference, returned), request.Policy, request.Key, request.Cost, version, hold, sentAt)
            : null;
    }

    /// <summary>Takes in what the grain answered an ask: a lease to decide from, or a denial to cache.</summary>
    public void EndAsk(PendingAsk ask, in LeasedDecision answer)
    {
        ArgumentNullException.ThrowIfNull(ask);
        // Held under another version now (a reload): a lease granted stays unused, its units stranded (under-admission).
        if (ask.Hold is not { } hold || !ReferenceEquals(ask.Version, hold.Version))
        {
            return;
        }

        var sentAt = ask.SentAt;
        if (answer.Lease is { } grant)
        {
            if (hold.Hold(new HeldLease(grant.Id, grant.Units, sentAt + Timestamp(grant.Ttl), answer.Decision, sentAt), sentAt))
            {
                _leased[(ask.Policy, ask.Key)] = hold;
            }
        }
        else if (answer.CacheDenialFor > TimeSpan.Zero)
        {
            hold.Deny(new CachedDenial(ask.Cost, sentAt, sentAt + Timestamp(answer.CacheDenialFor), answer.Decision), sentAt);
        }
    }

    /// <summary>The key's grain takes back its lease and cached denial here (an operator's change).</summary>
    public Task<LeaseReturn> RevokeAsync(string policy, string key)
    {
        if (!_holds.TryGetValue((policy, key), out var hold))
        {
            return Task.FromResult(LeaseReturn.None);
        }

        var lease = hold.Revoke(_time.GetTimestamp());
        Log.Revoked(_logger, policy);
        return Task.FromResult(lease is null ? LeaseReturn.None : new LeaseReturn(lease.Id, lease.Close()));
    }

    /// <summary>Gives back every lease that expired (all of them when <paramref name="all"/>: the silo stops).</summary>
    public async Task ReturnExpiredAsync(bool all, CancellationToken cancellationToken)
    {
        var now = _time.GetTimestamp();
        var returns = new List<Task>();
        // Only the keys holding a lease: a sweep costs what is leased, not every key this front has seen.
        foreach (var (id, hold) in _leased)
        {
            if (hold.Lease is not { } lease)
            {
                // A lease taken in meanwhile keeps its place in the sweep.
                if (_leased.TryRemove(new KeyValuePair<(string, string), KeyHold>(id, hold)) && hold.Lease is not null)
                {
                    _leased.TryAdd(id, hold);
                }
            }
            else if ((all || lease.HasExpired(now)) && hold.TryTakeOut(lease))
            {
                _leased.TryRemove(new KeyValuePair<(string, string), KeyHold>(id, hold));
                var unused = lease.Close();
                if (unused > 0)
                {
                    returns.Add(GiveBackAsync(id, new LeaseReturn(lease.Id, unused)));
                }
            }
        }

        await Task.WhenAll(returns).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Drops the keys idle for ten lease periods that hold nothing: what a key flood leaves behind.</summary>
    public void ForgetIdle()
    {
        var now = _time.GetTimestamp();
        foreach (var (id, hold) in _holds)
        {
            if (hold.Lease is null && (hold.Denial?.Until ?? 0) <= now && now - hold.LastSeen > 10 * _period)
            {
                if (_holds.TryRemove(new KeyValuePair<(string, string), KeyHold>(id, hold)))
                {
                    Interlocked.Decrement(ref _heldKeys);
                }
            }
        }
    }

    private async Task GiveBackAsync((string Policy, string Key) id, LeaseReturn returned)
    {
        try
        {
            await _grains.GetGrain<ILimitGrain>(LimitGrainKey.Encode(id.Policy, id.Key)).ReturnLeaseAsync(Id, returned).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // The units stay charged until their window ends: under-admission, never over.
            Log.ReturnFailed(_logger, id.Policy, e);
        }
    }

    // The key's hold under this version of its policy; a reload replaces one made under the old one, dropping its lease and denial.
    private KeyHold? Hold(in CheckRequest request, object version, long now, bool track)
    {
        var id = (request.Policy, request.Key);
        if (_holds.TryGetValue(id, out var hold))
        {
            if (ReferenceEquals(hold.Version, version))
            {
                return hold;
            }

            var fresh = new KeyHold(version, now);
            if (_holds.TryUpdate(id, fresh, hold))
            {
                hold.Revoke(now)?.Close();
                return fresh;
            }

            return _holds.TryGetValue(id, out hold) ? hold : null;
        }

        // A key asked once in a while is counted in the filter only: holds are for keys asked again within a period.
        if (!track || Volatile.Read(ref _heldKeys) >= MaxHeldKeys
            || !_askedBefore.AskedAgain(
                HashCode.Combine(request.Policy.GetHashCode(StringComparison.Ordinal), request.Key.GetHashCode(StringComparison.Ordinal)), now))
        {
            return null;
        }

        var added = new KeyHold(version, now);
        if (_holds.TryAdd(id, added))
        {
            Interlocked.Increment(ref _heldKeys);
            return added;
        }

        return _holds.TryGetValue(id, out hold) ? hold : null;
    }

    private long Timestamp(TimeSpan span) => (long)(span.Ticks * (double)_time.TimestampFrequency / TimeSpan.TicksPerSecond);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "A '{Policy}' key's grain took back its lease and cached denial.")]
        public static partial void Revoked(ILogger logger, string policy);

        [LoggerMessage(2, LogLevel.Warning, "Giving back a '{Policy}' key's unused lease units failed; they stay charged until their window ends.")]
        public static partial void ReturnFailed(ILogger logger, string policy, Exception exception);
    }
}
