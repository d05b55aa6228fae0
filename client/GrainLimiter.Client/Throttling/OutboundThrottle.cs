using System.Collections.Frozen;
using System.Net;
using GrainLimiter.Client.Decisions;

namespace GrainLimiter.Client.Throttling;

/// <summary>Makes workers that call a rate-limited upstream wait their turn on one budget shared through the cluster.</summary>
/// <remarks>
/// <para><see cref="WaitAsync"/> asks the cluster to reserve a slot (leaky-bucket policies answer how long to wait; other
/// algorithms answer allowed or retry-after) and returns when the caller may call the upstream.</para>
/// <para>Adaptive keys: <see cref="SendAsync"/> (or <see cref="ReportUpstreamOutcomeAsync(string, int, TimeSpan?, bool)"/> after the caller's own
/// call) reports each upstream call's outcome to the key's grain, whose limit then follows the upstream's capacity for every process.</para>
/// <para>Priority guarantee: within one process, at most one reservation per key is outstanding; callers waiting for it are
/// served premium first, then in arrival order, and a caller waiting out a retry-after hands its turn to a premium caller
/// that arrived meanwhile. A standard caller whose slot is already reserved is not pre-empted. Across processes the cluster
/// serves reservations in arrival order.</para>
/// </remarks>
public sealed class OutboundThrottle
{
    // Without a retry-after (never for a live cluster) the loop still must not spin.
    private static readonly TimeSpan MinimumRetryDelay = TimeSpan.FromMilliseconds(1);
    private readonly GrainLimiterClient _client;
    private readonly OutboundThrottleOptions _options;
    private readonly TimeProvider _time;
    private readonly FrozenDictionary<string, ThrottledKey> _keys;

    /// <summary>A throttle over the keys of <paramref name="options"/>.</summary>
    /// <param name="time">The clock waits are measured and slept on; the system clock by default.</param>
    public OutboundThrottle(GrainLimiterClient client, OutboundThrottleOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Keys.Count == 0)
        {
            throw new ArgumentException($"{OutboundThrottleOptions.Section}:Keys: name at least one throttled key and its cluster policy.", nameof(options));
        }

        if (options.MaxWait <= TimeSpan.Zero || options.BackoffInitial <= TimeSpan.Zero || options.BackoffMax < options.BackoffInitial)
        {
            throw new ArgumentException(
                $"{OutboundThrottleOptions.Section}: MaxWait and BackoffInitial must be positive and BackoffMax at least BackoffInitial.",
                nameof(options));
        }

        _client = client;
        _options = options;
        _time = time ?? TimeProvider.System;
        _keys = options.Keys.ToFrozenDictionary(static k => k.Key, k => new ThrottledKey(k.Key, k.Value, options, _time), StringComparer.Ordinal);
    }

    /// <summary>Returns when the caller may send <paramref name="cost"/> units to the upstream behind <paramref name="key"/>.</summary>
    /// <exception cref="ThrottleWaitTimeoutException">The wait would exceed <see cref="OutboundThrottleOptions.MaxWait"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The cost exceeds what the policy can ever admit.</exception>
    public async ValueTask WaitAsync(string key, long cost = 1, ThrottlePriority priority = ThrottlePriority.Standard,
        CancellationToken cancellationToken = default)
    {
        var throttled = KeyOf(key);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cost);
        var started = _time.GetTimestamp();
        var ticket = throttled.Turnstile.NewTicket();
        await EnterAsync(throttled, priority, ticket, started, cancellationToken).ConfigureAwait(false);
        var holding = true;
        try
        {
            while (true)
            {
                var delay = throttled.PauseLeft();
                if (delay == TimeSpan.Zero)
                {
                    var decision = await _client.ReserveAsync(throttled.Policy, key, cost, cancellationToken).ConfigureAwait(false);
                    if (!decision.IsFallback)
                    {
                        throttled.ReportsOutcomes = decision.ReportOutcome;
                    }

                    if (decision.Allowed)
                    {
                        // The slot is ours; holding the turn until it starts keeps one reservation per key outstanding.
                        await DelayWithinMaxWaitAsync(throttled, decision.Wait, started, cancellationToken).ConfigureAwait(false);
                        if (decision.Wait == TimeSpan.Zero
                            || await PausedMeanwhileAsync(throttled, cancellationToken).ConfigureAwait(false) is not { } pausedFor)
                        {
                            return;
                        }

                        // The upstream said 429 while we waited: the slot is forfeit (using it now would burst with everyone
                        // else whose slot fell in the pause); reserve again once the pause is over.
                        delay = pausedFor;
                    }
                    else
                    {
                        delay = RetryDelay(decision, cost);
                    }
                }

                await DelayWithinMaxWaitAsync(throttled, delay, started, cancellationToken).ConfigureAwait(false);
                if (throttled.Turnstile.HasWaiterAbove(priority))
                {
                    holding = false;
                    throttled.Turnstile.Release();
                    await EnterAsync(throttled, priority, ticket, started, cancellationToken).ConfigureAwait(false);
                    holding = true;
                }
            }
        }
        finally
        {
            if (holding)
            {
                throttled.Turnstile.Release();
            }
        }
    }

    /// <summary>The upstream behind <paramref name="key"/> answered 429: pauses the key for every worker of every process
    /// (through the cluster) for <paramref name="retryAfter"/>, or for an exponential backoff with jitter when it gave none.</summary>
    /// <returns>The pause applied.</returns>
    public async ValueTask<TimeSpan> ReportUpstreamLimitedAsync(string key, TimeSpan? retryAfter, CancellationToken cancellationToken = default)
    {
        var throttled = KeyOf(key);
        // Local first: this process stops at once, even if the cluster cannot be told.
        var pause = throttled.Pause(retryAfter is { } r && r < MinimumRetryDelay ? MinimumRetryDelay : retryAfter);
        await _client.PauseAsync(throttled.Policy, key, pause, cancellationToken).ConfigureAwait(false);
        return pause;
    }

    /// <summary>As <see cref="ReportUpstreamLimitedAsync(string, TimeSpan?, CancellationToken)"/>, reading the response's <c>Retry-After</c>.</summary>
    public ValueTask<TimeSpan> ReportUpstreamLimitedAsync(string key, HttpResponseMessage upstreamResponse, CancellationToken cancellationToken = default) =>
        ReportUpstreamLimitedAsync(key, UpstreamRetryAfter.Of(upstreamResponse, _time), cancellationToken);

    /// <summary>Waits its turn (<see cref="WaitAsync"/>), calls the upstream through <paramref name="send"/>, and reports how the call fared:
    /// its status and latency (timed on this throttle's clock) to the key's adaptive limit
    /// (<see cref="ReportUpstreamOutcomeAsync(string, int, TimeSpan?, bool)"/>), and on a 429 it also pauses the key for every worker
    /// (<see cref="ReportUpstreamLimitedAsync(string, HttpResponseMessage, CancellationToken)"/>).</summary>
    /// <remarks>An exception from <paramref name="send"/> (a timeout, a refused connection) is reported as a failure and rethrown; a call
    /// cancelled by <paramref name="cancellationToken"/> is not reported.</remarks>
    /// <returns>The upstream's response, whatever its status.</returns>
    public async Task<HttpResponseMessage> SendAsync(string key, Func<CancellationToken, Task<HttpResponseMessage>> send, long cost = 1,
        ThrottlePriority priority = ThrottlePriority.Standard, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(send);
        await WaitAsync(key, cost, priority, cancellationToken).ConfigureAwait(false);
        var started = _time.GetTimestamp();
        HttpResponseMessage response;
        try
        {
            response = await send(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            await ReportUpstreamOutcomeAsync(key, status: 0, _time.GetElapsedTime(started), failed: true).ConfigureAwait(false);
            throw;
        }

        await ReportUpstreamOutcomeAsync(key, response, _time.GetElapsedTime(started)).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            await ReportUpstreamLimitedAsync(key, response, cancellationToken).ConfigureAwait(false);
        }

        return response;
    }

    /// <summary>Reports how a call to the upstream behind <paramref name="key"/> fared to the key's adaptive limit, so every worker of every
    /// process shares the capacity its grain learns (AIMD on 429s, errors and slow calls). A 429 or 5xx counts as a failure.</summary>
    /// <remarks>Queued and sent in a batch (<see cref="GrainLimiterClient.ReportAsync(string, string, bool, TimeSpan?, int)"/>); nothing is sent
    /// when the key's policy does not adapt (the cluster's last decision for it did not ask). It does not pause the key: on a 429 call
    /// <see cref="ReportUpstreamLimitedAsync(string, HttpResponseMessage, CancellationToken)"/> too, or use <see cref="SendAsync"/>, which does both.</remarks>
    /// <param name="status">The upstream's status code; 0 when the call got no answer.</param>
    /// <param name="latency">How long the call took; null when not measured.</param>
    /// <param name="failed">The call failed for a reason its status does not show (no answer, a malformed one).</param>
    public ValueTask ReportUpstreamOutcomeAsync(string key, int status, TimeSpan? latency, bool failed = false)
    {
        var throttled = KeyOf(key);
        if (!throttled.ReportsOutcomes)
        {
            return ValueTask.CompletedTask;
        }

        var known = status is >= 100 and <= 599 ? status : 0;
        // A call that took over an hour says nothing the silos would take as a latency.
        var measured = latency is { } l && l >= TimeSpan.Zero && l <= GrainLimiterClient.MaxReportedLatency ? latency : null;
        return _client.ReportAsync(throttled.Policy, key, failed || known == 429 || known >= 500, measured, known);
    }

    /// <summary>As <see cref="ReportUpstreamOutcomeAsync(string, int, TimeSpan?, bool)"/>, with the response's status.</summary>
    public ValueTask ReportUpstreamOutcomeAsync(string key, HttpResponseMessage upstreamResponse, TimeSpan? latency)
    {
        ArgumentNullException.ThrowIfNull(upstreamResponse);
        return ReportUpstreamOutcomeAsync(key, (int)upstreamResponse.StatusCode, latency);
    }

    private async ValueTask EnterAsync(ThrottledKey throttled, ThrottlePriority priority, long ticket, long started, CancellationToken cancellationToken)
    {
        var left = _options.MaxWait - _time.GetElapsedTime(started);
        if (left <= TimeSpan.Zero)
        {
            throw new ThrottleWaitTimeoutException(throttled.Key, _time.GetElapsedTime(started), TimeSpan.Zero, _options.MaxWait);
        }

        using var maxWait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var entering = throttled.Turnstile.EnterAsync(priority, ticket, maxWait.Token);
        if (entering.IsCompleted)
        {
            // Uncontended: no timer armed, nothing allocated for the max wait.
            await entering.ConfigureAwait(false);
            return;
        }

        // Queued behind other callers of this process: bound the queueing by what is left of the max wait.
        using var timer = _time.CreateTimer(static state => ((CancellationTokenSource)state!).Cancel(), maxWait, left, Timeout.InfiniteTimeSpan);
        try
        {
            await entering.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ThrottleWaitTimeoutException(throttled.Key, _time.GetElapsedTime(started), TimeSpan.Zero, _options.MaxWait);
        }
    }

    /// <summary>What is left of a pause some worker reported while this one waited for its slot; null when there is none.</summary>
    private async ValueTask<TimeSpan?> PausedMeanwhileAsync(ThrottledKey throttled, CancellationToken cancellationToken)
    {
        if (throttled.PauseLeft() is var local && local > TimeSpan.Zero)
        {
            return local;
        }

        // A peek charges nothing and is denied only while the key is paused (or exhausted, when waiting is right too).
        var now = await _client.GetAsync(throttled.Policy, throttled.Key, cancellationToken).ConfigureAwait(false);
        return !now.Allowed && now.RetryAfter is { } retry && retry > TimeSpan.Zero ? retry : null;
    }

    private async ValueTask DelayWithinMaxWaitAsync(ThrottledKey throttled, TimeSpan delay, long started, CancellationToken cancellationToken)
    {
        var waited = _time.GetElapsedTime(started);
        if (waited + delay > _options.MaxWait)
        {
            throw new ThrottleWaitTimeoutException(throttled.Key, waited, delay, _options.MaxWait);
        }

        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private static TimeSpan RetryDelay(in ClusterDecision decision, long cost) => decision.RetryAfter switch
    {
        null => throw new ArgumentOutOfRangeException(nameof(cost), cost,
            $"cost {cost} exceeds what policy '{decision.Policy}' can ever admit (limit {decision.Limit}, '{decision.LimitName}')."),
        { } retry when retry < MinimumRetryDelay => MinimumRetryDelay,
        { } retry => retry,
    };

    private ThrottledKey KeyOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return _keys.TryGetValue(key, out var throttled)
            ? throttled
            : throw new ArgumentException(
                $"'{key}' is not a throttled key; configure it in {OutboundThrottleOptions.Section}:Keys (known: {string.Join(", ", _keys.Keys)}).",
                nameof(key));
    }
}
