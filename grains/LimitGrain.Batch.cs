using GrainLimiter.Decisions;

namespace GrainLimiter.Grains;

/// <summary>The repeats of one key within a check, decided in one grain call instead of one call each.</summary>
public sealed partial class LimitGrain
{
    public async ValueTask<GrainDecision[]> AcquireManyAsync(long[] costs)
    {
        ArgumentNullException.ThrowIfNull(costs);
        var answers = new GrainDecision[costs.Length];
        for (var i = 0; i < costs.Length; i++)
        {
            // The single-item path itself, so shadow mode, store failures and write-behind stay in one place.
            answers[i] = await AcquireAsync(costs[i]).ConfigureAwait(true);
        }

        return answers;
    }
}
