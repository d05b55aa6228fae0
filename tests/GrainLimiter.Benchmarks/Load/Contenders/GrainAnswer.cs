using GrainLimiter.Decisions;

namespace GrainLimiter.Benchmarks.Load.Contenders;

/// <summary>What a direct <see cref="Grains.ILimitGrain"/> call answered, read as the driver counts it.</summary>
internal static class GrainAnswer
{
    /// <summary>1 when the grain admitted, 0 when it denied; throws <see cref="UndecidedAnswerException"/> for an answer
    /// its failure mode made (<c>store_unavailable</c>).</summary>
    public static int Admitted(GrainDecision answer) =>
        UndecidedAnswerException.IsUndecided(answer.Reason) ? throw new UndecidedAnswerException(1, answer.Reason!)
        : answer.Decision.Allowed ? 1 : 0;
}
