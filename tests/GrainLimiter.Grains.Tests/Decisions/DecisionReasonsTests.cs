using GrainLimiter.Decisions;

namespace GrainLimiter.Grains.Tests.Decisions;

/// <summary>The reason every front and the client state for a decision.</summary>
public sealed class DecisionReasonsTests
{
    private static readonly LimitDecision Denied = new(false, 10, 0, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    private static readonly LimitDecision NeverAdmitted = Denied with { RetryAfter = LimitDecision.Never };

    [Fact]
    public void APlainDecisionHasNoReason() => Assert.Null(DecisionReasons.Stated(null, Denied));

    [Fact]
    public void ACostNeverAdmittedSaysSo() => Assert.Equal(DecisionReasons.CostExceedsCapacity, DecisionReasons.Stated(null, NeverAdmitted));

    [Fact]
    public void TheDecisionsOwnReasonWins() =>
        Assert.Equal(DecisionReasons.ShadowMode, DecisionReasons.Stated(DecisionReasons.ShadowMode, NeverAdmitted));
}
