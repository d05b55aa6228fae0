namespace GrainLimiter.Silo.Checks.Overload;

/// <summary>The values of <c>GrainLimiter:OverloadAnswer</c>: what a check the silo sheds answers.</summary>
public static class OverloadAnswers
{
    /// <summary>RESOURCE_EXHAUSTED on gRPC and Envoy RLS, 503 with Retry-After on HTTP: the caller applies its own failure mode.</summary>
    public const string Refuse = "refuse";

    /// <summary>Each item's policy failure mode (open: allowed, closed: denied), reason <c>overloaded</c>.</summary>
    public const string FailureMode = "failure-mode";
}
