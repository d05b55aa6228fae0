using System.Collections.Concurrent;
using GrainLimiter.Decisions;
using GrainLimiter.Grains;
using GrainLimiter.Grains.Leases;
using GrainLimiter.Leases;
using GrainLimiter.Silo.Observability;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Runtime.Leases;

/// <summary>This silo's front as a lease holder: decides hot keys from their leases and cached denials without an Orleans call, asks
/// their grains for leases, gives unused units back, and drops a key's lease and denial when its grain says so.</summary>
/// <remarks>
/// Every front of the silo (HTTP, gRPC, Envoy, the Orleans front) decides through <see cref="LimitService"/>, which asks here first.
/// A key is held only once it is asked here <see cref="LeaseOptions.MinAsks"/> times within <see cref="LeaseOptions.Ttl"/>; at most
/// <see cref="MaxHeldKeys"/> keys are held at once (idle ones are dropped by <see cref="LeaseReturner"/>).
/// </remarks>
public sealed partial class LeaseHolder : ILeaseHolder
{
    /// <summary>The most keys this holder tracks; a key flood beyond it is decided call by call.</summary>
    public const int MaxHeldKeys = 100_000;

    private readonly ConcurrentDictionary<(string Policy, string Key), KeyHold> _holds = new();
    // The holds with a lease in them, for the sweep that gives back expired ones.
    private readonly ConcurrentDictionary<(string Policy, string Key), KeyHold> _leased = new();
    private readonly IGrainFactory _grains;
    private readonly TimeProvider _time;
    private readonly SiloMetrics _metrics;
    private readonly ILogger<LeaseHolder> _logger;
    private readonly long _period;
    private readonly int _minAsks;
    private ILeaseHolder? _reference;

    public LeaseHolder(IGrainFactory grains, TimeProvider time, IOptions<LeaseOptions> options, SiloMetrics metrics, ILogger<LeaseHolder> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _grains = grains;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        Options = options.Value;
        _period = Timestamp(Options.Ttl);
        _minAsks = Options.MinAsks;
    }

    /// <summary>Who this holder is to the grains; new for every process, so a restarted silo is a new holder.</summary>
    public string Id { get; } = Guid.NewGuid().ToString("N");

    public LeaseOptions Options { get; }

    internal int HeldKeys => _holds.Count;

    /// <summary>Units of the key's lease still to admit here (tests and diagnostics).</summary>
    internal long HeldUnits(string policy, string key) =>
        _holds.TryGetValue((policy, key), out var hold) && hold.Lease is { } lease && !lease.HasExpired(_time.GetTimestamp()) ? lease.Left : 0;

    /// <summary>Whether a denial of the key is answered here now (tests and diagnostics).</summary>
    internal bool DeniesHere(string policy, string key) =>
        _holds.TryGetValue((policy, key), out var hold) && hold.Denial is { } denial && _time.GetTimestamp() < denial.Until;

    /// <summary>Becomes reachable by the grains (an observer reference); until then every call goes to its grain as before.</summary>
    /// <remarks>Called as the silo starts: Orleans refuses to make the reference from inside a grain (the Orleans front).</remarks>
    public void Start() => Volatile.Write(ref _reference, _grains.CreateObjectReference<ILeaseHolder>(this));

    /// <summary>No longer reachable: the silo stops.</summary>
    public void Stop()
    {
        if (Interlocked.Exchange(ref _reference, null) is { } reference)
        {
            _grains.DeleteObjectReference<ILeaseHolder>(reference);
        }
    }

    /// <summary>Decides <paramref name="request"/> here when a lease or a cached denial of its key can: no Orleans call.</summary>
    /// <param name="taken">The lease the units were taken from (to put them back if another key of the check denies it).</param>
    public bool TryDecide(in CheckRequest request, CompiledPolicy policy, out GrainDecision answer, out HeldLease? taken)
    {
        answer = default;
        taken = null;
        if (request.Cost <= 0 || !_holds.TryGetValue((request.Policy, request.Key), out var hold) || !ReferenceEquals(hold.Policy, policy))
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
                    _metrics.RecordFrontDecision(MetricNames.FrontDecidedByDenial);
                    return true;
                }
            }
            else
            {
                hold.ForgetDenial(denial);
            }
        }

        if (hold.Lease is { } lease && lease.TryTake(request.Cost, now) is var left and >= 0)
        {
            answer = LocalAnswers.Admitted(lease, left, _time.GetElapsedTime(lease.GrantedAt, now));
            taken = lease;
            _metrics.RecordFrontDecision(MetricNames.FrontDecidedByLease);
            return true;
        }

        return false;
    }

    /// <summary>Whether a call that reaches the grain should go as a holder's (<see cref="AskAsync"/>): the key is hot here.</summary>
    public bool ShouldAsk(in CheckRequest request, CompiledPolicy policy)
    {
        if (request.Cost <= 0 || !policy.LeasesApply || Volatile.Read(ref _reference) is null)
        {
            return false;
        }

        var now = _time.GetTimestamp();
        var hold = Hold(request, policy, now);
        return hold is not null && hold.Asked(now, _period, _minAsks);
    }

    /// <summary>Asks the key's grain as a holder: gives back the key's spent or expired lease, takes a new one or a denial to cache.</summary>
    public async ValueTask<GrainDecision> AskAsync(ILimitGrain grain, CheckRequest request, CompiledPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(grain);
        var sentAt = _time.GetTimestamp();
        var hold = Hold(request, policy, sentAt);
        var returned = LeaseReturn.None;
        if (hold?.Lease is { } spent && (spent.HasExpired(sentAt) || spent.Left < request.Cost) && hold.TryTakeOut(spent))
        {
            returned = new LeaseReturn(spent.Id, spent.Close());
        }

        // ShouldAsk saw the reference; a stop in between makes this an ordinary call.
        if (Volatile.Read(ref _reference) is not { } reference)
        {
            return await grain.AcquireAsync(request.Cost).ConfigureAwait(false);
        }

        var answer = await grain.AcquireLeasedAsync(request.Cost, new LeaseAsk(Id, reference, returned)).ConfigureAwait(false);
        if (hold is null || !ReferenceEquals(policy, hold.Policy))
        {
            return answer.Decision;
        }

        if (answer.Lease is { } grant)
        {
            if (hold.Hold(new HeldLease(grant.Id, grant.Units, sentAt + Timestamp(grant.Ttl), answer.Decision, sentAt), sentAt))
            {
                _leased[(request.Policy, request.Key)] = hold;
            }
        }
        else if (answer.CacheDenialFor > TimeSpan.Zero)
        {
            hold.Deny(new CachedDenial(request.Cost, sentAt, sentAt + Timestamp(answer.CacheDenialFor), answer.Decision), sentAt);
        }

        return answer.Decision;
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
                _holds.TryRemove(new KeyValuePair<(string, string), KeyHold>(id, hold));
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

    // The key's hold under this policy; a reload replaces one made under the old policy, dropping its lease and denial.
    private KeyHold? Hold(in CheckRequest request, CompiledPolicy policy, long now)
    {
        var id = (request.Policy, request.Key);
        if (_holds.TryGetValue(id, out var hold))
        {
            if (ReferenceEquals(hold.Policy, policy))
            {
                return hold;
            }

            var fresh = new KeyHold(policy, now);
            if (_holds.TryUpdate(id, fresh, hold))
            {
                hold.Revoke(now)?.Close();
                return fresh;
            }

            return _holds.TryGetValue(id, out hold) ? hold : null;
        }

        return _holds.Count >= MaxHeldKeys ? null : _holds.GetOrAdd(id, static (_, state) => new KeyHold(state.policy, state.now), (policy, now));
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
