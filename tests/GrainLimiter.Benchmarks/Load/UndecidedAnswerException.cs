namespace GrainLimiter.Benchmarks.Load;

/// <summary>
/// Answers of one call that the key's grain (or the contender's own store) did not decide: a failure-mode answer
/// (<c>owner_unreachable</c>, <c>store_unavailable</c>), the client's fallback (<c>cluster_unavailable</c>). The driver
/// counts <see cref="Count"/> errors for the call, never successes.
/// </summary>
/// <remarks>The benchmark's policies have no shadow mode and every check costs 1, far below any capacity, so a decision
/// with any reason at all was made by something other than the key's grain.</remarks>
internal sealed class UndecidedAnswerException(int count, string reason)
    : Exception($"{count} answer{(count == 1 ? "" : "s")} not decided by the key's grain (reason '{reason}')")
{
    public int Count { get; } = count;

    public string Reason { get; } = reason;

    /// <summary>True when an answer's <paramref name="reason"/> says a failure mode or a fallback made it.</summary>
    public static bool IsUndecided(string? reason) => !string.IsNullOrEmpty(reason);
}
