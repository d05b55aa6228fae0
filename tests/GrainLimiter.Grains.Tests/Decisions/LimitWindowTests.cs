using GrainLimiter.Decisions;
using GrainLimiter.Policies;

namespace GrainLimiter.Grains.Tests.Decisions;

/// <summary>One window per limit: the one decisions state is the one the admin view of a key shows.</summary>
public sealed class LimitWindowTests
{
    private static readonly long Now = new DateTimeOffset(2026, 6, 10, 12, 0, 0, TimeSpan.Zero).UtcTicks;

    public static TheoryData<LimitAlgorithmKind> Algorithms() => new(Enum.GetValues<LimitAlgorithmKind>());

    private static LimitSpec Spec(LimitAlgorithmKind algorithm, QuotaPeriod period = QuotaPeriod.Day) => new()
    {
        Algorithm = algorithm,
        Limit = 4,
        Window = algorithm is LimitAlgorithmKind.Concurrency or LimitAlgorithmKind.Quota ? TimeSpan.Zero : TimeSpan.FromMinutes(1),
        MaxWait = algorithm == LimitAlgorithmKind.LeakyBucket ? TimeSpan.FromMinutes(1) : TimeSpan.Zero,
        LeaseTtl = algorithm == LimitAlgorithmKind.Concurrency ? TimeSpan.FromSeconds(30) : TimeSpan.Zero,
        Period = period,
        Name = "l",
    };

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void TheKeysViewShowsTheWindowDecisionsState(LimitAlgorithmKind algorithm)
    {
        var spec = Spec(algorithm);
        var key = new KeyLimits("k", new CompiledPolicy(new PolicyDefinition { Name = "p", Limits = [spec] }));

        Assert.Equal(LimitWindow.Of(spec), key.Inspect(Now).Limits[0].Window);
    }

    [Fact]
    public void AConcurrencyLimitHasNoWindowEvenWithALeaseTtl() =>
        Assert.Equal(TimeSpan.Zero, LimitWindow.Of(Spec(LimitAlgorithmKind.Concurrency)));

    [Theory]
    [InlineData(QuotaPeriod.Day, 1)]
    [InlineData(QuotaPeriod.Week, 7)]
    [InlineData(QuotaPeriod.Month, 30)]
    public void AQuotasWindowIsItsPeriod(QuotaPeriod period, int days) =>
        Assert.Equal(TimeSpan.FromDays(days), LimitWindow.Of(Spec(LimitAlgorithmKind.Quota, period)));
}
