using System.Collections.Concurrent;
using GrainLimiter.Client.Decisions;
using GrainLimiter.Client.Resilience;
using GrainLimiter.Client.Transport;
using GrainLimiter.Decisions;
using GrainLimiter.Grains;
using GrainLimiter.Leases;
using Microsoft.Extensions.Logging;
using DecisionCheck = GrainLimiter.Decisions.CheckRequest;

namespace GrainLimiter.Client.Orleans;

/// <summary>This client as a lease holder: a hot key's single-key checks are decided in this process from a lease or a cached denial
/// its grain granted, with no call at all.</summary>
/// <remarks>
/// A key is held only after a silo's front accepted a check of it (so validation stays the silo's), and asked for a lease through the
/// front (<see cref="ILimiterFrontGrain.CheckLeasedAsync"/>) once it is hot here. Operators' changes reach this process through the key's
/// grain, which revokes the lease and denial before applying them; a policy reload at the silos is not seen here, so a lease made
/// under the old policy is used until it expires (the grain's TTL) and a denial at most the silos' <c>MaxCachedDenial</c>.
/// </remarks>
internal sealed partial class ClientLeases : IDisposable
{
    /// <summary>How often expired leases are given back, and the period a key's checks are counted over (the silos' default lease TTL).</summary>
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(100);

    /// <summary>Checks within one <see cref="Period"/> that make a key hot here (the silos' default).</summary>
    public const int MinAsks = 4;

    // One version for everything held here: this process does not see the silos' reloads (see remarks).
    private static readonly object Version = new();

    // How long a policy the silos said never leases is not asked for (a reload may turn its leases on).
    private static readonly TimeSpan UnleasableFor = TimeSpan.FromSeconds(10);

    private readonly LeaseHolder _holder;
    private readonly ConcurrentDictionary<(string Policy, string LimitName), TimeSpan> _windows = new();
    private readonly ConcurrentDictionary<string, long> _unleasableUntil = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly ILogger<ClientLeases> _logger;
    private readonly Task _sweeping;

    public ClientLeases(IGrainFactory grains, ClientMetrics metrics, ILoggerFactory loggers)
    {
        _logger = loggers.CreateLogger<ClientLeases>();
        _holder = new LeaseHolder(grains, TimeProvider.System, Period, MinAsks, loggers.CreateLogger<LeaseHolder>(), metrics.DecidedLocally);
        _holder.Start();
        _sweeping = SweepAsync(_stopping.Token);
    }

    internal LeaseHolder Holder => _holder;

    /// <summary>Decides <paramref name="check"/> here when a lease or a cached denial of its key can.</summary>
    public bool TryDecide(in LimitCheck check, out ClusterCheckOutcome outcome)
    {
        var request = new DecisionCheck(check.Policy, check.Key, check.Cost);
        if (!_holder.TryDecide(request, Version, out var answer, out _))
        {
            outcome = default;
            return false;
        }

        var result = new CheckResult(request, answer.Decision, answer.LimitName, answer.Reason, answer.Limits);
        outcome = new ClusterCheckOutcome(answer.Decision.Allowed,
            [DecisionMapping.ToDecision(result, _windows.GetValueOrDefault((check.Policy, answer.LimitName ?? "")))]);
        return true;
    }

    /// <summary>Whether <paramref name="check"/> should go as a holder's ask: its key was accepted before and is hot here.</summary>
    public bool ShouldAsk(in LimitCheck check) =>
        Leasable(check.Policy) && _holder.ShouldAsk(new DecisionCheck(check.Policy, check.Key, check.Cost), Version, track: false);

    /// <summary>Asks <paramref name="front"/> as a holder; null when this holder has stopped (decide the check the ordinary way).</summary>
    public async ValueTask<ClusterCheckOutcome?> AskAsync(ILimiterFrontGrain front, LimitCheck check)
    {
        var request = new DecisionCheck(check.Policy, check.Key, check.Cost);
        if (_holder.BeginAsk(request, Version) is not { } ask)
        {
            return null;
        }

        var answer = await front.CheckLeasedAsync(request, ask.Ask).ConfigureAwait(false);
        // Throws the gRPC front's status for a refused check, as the ordinary path does.
        var outcome = DecisionMapping.ToOutcome(answer.Answer);
        var result = answer.Answer.Results[0];
        Learn(check.Policy, outcome.Decisions[0]);
        if (!answer.Leasable)
        {
            _unleasableUntil[check.Policy] = Environment.TickCount64 + (long)UnleasableFor.TotalMilliseconds;
        }

        _holder.EndAsk(ask, new LeasedDecision(new GrainDecision(result.Decision, result.LimitName, result.Reason, Limits: result.Limits), answer.Lease,
            answer.CacheDenialFor));
        return outcome;
    }

    /// <summary>A silo's front decided <paramref name="check"/> the ordinary way: its key is counted here from now on.</summary>
    public void Accepted(in LimitCheck check, in ClusterCheckOutcome outcome)
    {
        if (outcome.Decisions is [{ Reason: null } decision] && Leasable(check.Policy))
        {
            Learn(check.Policy, decision);
            _holder.ShouldAsk(new DecisionCheck(check.Policy, check.Key, check.Cost), Version);
        }
    }

    /// <summary>Gives back every lease (the client stops), waiting at most 2 s; what does not go back stays charged until its window
    /// ends.</summary>
    public void Dispose()
    {
        _stopping.Cancel();
        try
        {
            _sweeping.Wait(TimeSpan.FromSeconds(1));
            using var giveUp = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            _holder.ReturnExpiredAsync(all: true, giveUp.Token).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is OperationCanceledException or AggregateException or TimeoutException)
        {
            // The cluster is gone or slow: the units stay charged until their windows end (under-admission, never over).
        }

        _holder.Stop();
        _stopping.Dispose();
    }

    // TryGetValue reads without a lock (IsEmpty and Count take every lock of the dictionary).
    private bool Leasable(string policy) => !_unleasableUntil.TryGetValue(policy, out var until) || Environment.TickCount64 >= until;

    // The window of a policy's limit, for the answers made here (RateLimit-Policy headers), as the silo last stated it.
    private void Learn(string policy, in ClusterDecision decision) => _windows[(policy, decision.LimitName)] = decision.Window;

    private async Task SweepAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(Period);
        try
        {
            for (var tick = 1L; await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false); tick++)
            {
                await _holder.ReturnExpiredAsync(all: false, stopping).ConfigureAwait(false);
                if (tick % 10 == 0)
                {
                    _holder.ForgetIdle();
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            Log.SweepFailed(_logger, e);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "Giving back expired leases stopped; unused units stay charged until their windows end.")]
        public static partial void SweepFailed(ILogger logger, Exception exception);
    }
}
