namespace GrainLimiter.Benchmarks.Load;

/// <summary>Which limit a call is checked against; <see cref="BenchLimits"/> says what each allows.</summary>
internal enum LimitKind
{
    /// <summary>So high that every call decides and none is refused.</summary>
    Open,

    /// <summary>The open limit under a policy with <c>leases: off</c>: every call reaches the key's grain, as before leases.</summary>
    OpenUnleased,

    /// <summary>The exact limit of the hot-key accuracy check.</summary>
    Accuracy,

    /// <summary>A per-second limit on one key that nearly every call of the attack phase exceeds.</summary>
    Attack,
}
