namespace GrainLimiter.Policies;

/// <summary>A named set of limits applied together to every key checked against it.</summary>
/// <remarks>A request passes only if every limit admits it; a denied request is charged to none of them.</remarks>
public sealed record PolicyDefinition
{
    public required string Name { get; init; }

    public required IReadOnlyList<LimitSpec> Limits { get; init; }

    /// <summary>Decide and count, but always admit: for trying a policy on live traffic.</summary>
    public bool ShadowMode { get; init; }

    public FailureMode FailureMode { get; init; } = FailureMode.Open;
}
