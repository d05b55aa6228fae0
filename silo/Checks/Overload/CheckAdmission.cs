using System.Threading.RateLimiting;
using GrainLimiter.Decisions;
using GrainLimiter.Silo.Config;
using GrainLimiter.Silo.Observability;
using Microsoft.Extensions.Options;
using GrainLimiter.Silo.Policies;

namespace GrainLimiter.Silo.Checks.Overload;

/// <summary>Admits check requests at the fronts: at most <see cref="SiloOptions.MaxChecksInFlight"/> decided at once, each answered
/// by its deadline. What it cannot decide in time it sheds at once, by <see cref="SiloOptions.OverloadAnswer"/>, instead of queueing.</summary>
/// <remarks>
/// A check holds its place until its grain calls end, not until it is answered: a check shed at its deadline still occupies the silo,
/// so grain calls that hang make later checks shed at admission instead of piling up behind them. Such a check's items may still be
/// charged when their grains answer late: the limiter errs toward admitting less, never more.
/// </remarks>
public sealed class CheckAdmission : IDisposable
{
    private readonly ICheckPipeline _limits;
    private readonly PolicyRegistry _policies;
    private readonly SiloMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ConcurrencyLimiter _places;
    private readonly bool _refuse;
    private readonly bool _queues;
    private readonly TimeSpan _checkTimeout;
    private readonly TimeSpan _margin;
    private readonly TimeSpan _retryAfter;
    private readonly int _maxInFlight;

    public CheckAdmission(ICheckPipeline limits, PolicyRegistry policies, SiloMetrics metrics, IOptions<SiloOptions> options, TimeProvider time)
    {
        var settings = options.Value;
        (_limits, _policies, _metrics, _time) = (limits, policies, metrics, time);
        _places = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = settings.MaxChecksInFlight,
            QueueLimit = settings.MaxQueuedChecks,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        _maxInFlight = settings.MaxChecksInFlight;
        metrics.ObserveChecksInFlight(() => InFlight);
        _refuse = settings.OverloadAnswer == OverloadAnswers.Refuse;
        _queues = settings.MaxQueuedChecks > 0;
        (_checkTimeout, _margin, _retryAfter) = (settings.CheckTimeout, settings.DeadlineMargin, settings.OverloadRetryAfter);
    }

    /// <summary>Check requests holding a place now (deciding, or shed while their grain calls go on).</summary>
    public long InFlight => _maxInFlight - (_places.GetStatistics()?.CurrentAvailablePermits ?? _maxInFlight);

    /// <summary>Decides <paramref name="checks"/> (validated) as
    /// <see cref="ICheckPipeline.CheckAsync(IReadOnlyList{CheckRequest}, string?, CancellationToken)"/> does, within the caller's
    /// <paramref name="deadline"/> (UTC; <see cref="DateTime.MaxValue"/> for none) and <see cref="SiloOptions.CheckTimeout"/>; a check carrying
    /// <paramref name="requestId"/> (null: none) is not charged again when the id is repeated.</summary>
    /// <param name="front">Who asks, for <c>grainlimiter_shed_total</c> (a <see cref="Fronts.BadRequests.Front"/> value or <c>orleans</c>).</param>
    /// <exception cref="SiloOverloadedException">Shed, and the silo refuses overloads.</exception>
    public async ValueTask<CheckOutcome> CheckAsync(string front, IReadOnlyList<CheckRequest> checks, string? requestId, DateTime deadline,
        CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var budget = Budget(deadline);
        var place = _places.AttemptAcquire();
        if (!place.IsAcquired)
        {
            place.Dispose();
            if (!_queues)
            {
                return Shed(front, ShedReasons.InFlight, checks);
            }

            (place, var reason) = await QueueAsync(budget, cancellationToken).ConfigureAwait(false);
            if (place is null)
            {
                return Shed(front, reason, checks);
            }
        }

        // A check decided at once (a front's lease, a cached denial) gives its place back without a Task of its own.
        var deciding = _limits.CheckAsync(checks, requestId, CancellationToken.None);
        CheckOutcome outcome;
        if (deciding.IsCompletedSuccessfully)
        {
            place.Dispose();
            outcome = deciding.Result;
        }
        else
        {
            try
            {
                outcome = await HoldingAsync(place, deciding).WaitAsync(Remaining(budget, started), _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return Shed(front, ShedReasons.Deadline, checks);
            }
        }

        return IsOverloaded(outcome) ? Shed(front, ShedReasons.Orleans, checks, outcome) : outcome;
    }

    // The place is held until the grain calls end, even when the caller was answered at its deadline.
    private static async Task<CheckOutcome> HoldingAsync(RateLimitLease place, ValueTask<CheckOutcome> deciding)
    {
        using (place)
        {
            return await deciding.ConfigureAwait(false);
        }
    }

    // A place when one frees before the budget is spent; otherwise why not (the queue full, or the budget spent waiting).
    private async ValueTask<(RateLimitLease? Place, string Reason)> QueueAsync(TimeSpan budget, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(budget, _time);
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            var place = await _places.AcquireAsync(1, waiting.Token).ConfigureAwait(false);
            if (place.IsAcquired)
            {
                return (place, "");
            }

            place.Dispose();
            return (null, ShedReasons.InFlight);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, ShedReasons.Deadline);
        }
    }

    /// <summary>How long the silo may spend on a check: until <see cref="SiloOptions.DeadlineMargin"/> before the caller's deadline
    /// (half the time left when that is less than twice the margin), at most <see cref="SiloOptions.CheckTimeout"/>.</summary>
    public TimeSpan Budget(DateTime deadline)
    {
        if (deadline == DateTime.MaxValue)
        {
            return _checkTimeout;
        }

        var left = deadline - _time.GetUtcNow().UtcDateTime;
        var budget = left > 2 * _margin ? left - _margin : left / 2;
        return budget <= TimeSpan.Zero ? TimeSpan.FromTicks(1) : budget < _checkTimeout ? budget : _checkTimeout;
    }

    private TimeSpan Remaining(TimeSpan budget, long started)
    {
        var left = budget - _time.GetElapsedTime(started);
        return left > TimeSpan.Zero ? left : TimeSpan.FromTicks(1);
    }

    private static bool IsOverloaded(in CheckOutcome outcome)
    {
        foreach (var result in outcome.Results)
        {
            if (result.Reason == DecisionReasons.Overloaded)
            {
                return true;
            }
        }

        return false;
    }

    // Refused, or answered by each item's failure mode; an outcome Orleans' refusal already answered so is kept as it is.
    private CheckOutcome Shed(string front, string reason, IReadOnlyList<CheckRequest> checks, CheckOutcome? decided = null)
    {
        _metrics.RecordShed(front, reason);
        if (_refuse)
        {
            throw new SiloOverloadedException(reason, _retryAfter);
        }

        if (decided is { } outcome)
        {
            return outcome;
        }

        var allowed = true;
        var results = new CheckResult[checks.Count];
        for (var i = 0; i < results.Length; i++)
        {
            var policy = _policies.TryGet(checks[i].Policy, out var compiled)
                ? compiled
                : throw new ArgumentException($"Policy '{checks[i].Policy}' is not configured; validate checks before deciding.", nameof(checks));
            var decision = policy.FailureDecision(allowed: policy.Definition.FailureMode == GrainLimiter.Policies.FailureMode.Open);
            allowed &= decision.Allowed;
            results[i] = new CheckResult(checks[i], decision, policy.LimitNames[0], DecisionReasons.Overloaded, null, policy.IsAdaptive);
        }

        return new CheckOutcome(allowed, results);
    }

    public void Dispose() => _places.Dispose();
}
