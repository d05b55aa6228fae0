using GrainLimiter.Decisions;
using GrainLimiter.Grains.RequestIds;

namespace GrainLimiter.Grains;

/// <summary>Checks that carry a request id: a retried id is answered as it was the first time, not charged again.</summary>
/// <remarks>The ids live in this activation only (<see cref="RecentRequests"/>): a grain that moves or restarts forgets them, and a
/// retry that reaches the new activation is decided, and charged, again.</remarks>
public sealed partial class LimitGrain
{
    // Made at the first id: a key no caller sends ids for pays nothing.
    private RecentRequests? _recent;

    public async ValueTask<GrainDecision[]> AcquireOnceAsync(string requestId, long[] costs)
    {
        ArgumentException.ThrowIfNullOrEmpty(requestId);
        ArgumentNullException.ThrowIfNull(costs);
        var now = services.Time.GetTimestamp();
        if (_recent?.Find(requestId, costs, now) is { } first)
        {
            services.Counters.Replayed();
            return first;
        }

        var answers = new GrainDecision[costs.Length];
        for (var i = 0; i < costs.Length; i++)
        {
            // The single-item path itself (completes synchronously: nothing is awaited between deciding and remembering).
            answers[i] = await AcquireAsync(costs[i]).ConfigureAwait(true);
        }

        var options = services.Options;
        (_recent ??= new RecentRequests(options.MaxRequestIdsPerKey, options.RequestIdWindow, services.Time.TimestampFrequency))
            .Remember(requestId, costs, answers, now);
        return answers;
    }

    public ValueTask RefundOnceAsync(string requestId)
    {
        ArgumentException.ThrowIfNullOrEmpty(requestId);
        FollowPolicy();
        if (!_unavailable && _recent?.TakeOut(requestId) is { } charged)
        {
            var now = Now;
            for (var i = 0; i < charged.Answers.Length; i++)
            {
                if (charged.Answers[i].Charged)
                {
                    _limits.Refund(now, charged.Costs[i], charged.Answers[i].Decision.LeaseId);
                }
            }

            AfterTurn();
        }

        return ValueTask.CompletedTask;
    }
}
