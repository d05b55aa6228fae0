using GrainLimiter.Grains.Leases;

namespace GrainLimiter.Grains.Tests.Leases;

public sealed class LeaseOptionsTests
{
    [Fact]
    public void TheDefaultsAreValid() => Assert.Empty(new LeaseOptions().Problems());

    [Fact]
    public void EveryBadSettingIsNamedAsTheVariableToFix()
    {
        var problems = new LeaseOptions
        {
            Ttl = TimeSpan.Zero,
            MinAsks = 0,
            MinUnits = 0,
            MaxHolders = -1,
            MaxCachedDenial = TimeSpan.FromHours(1),
            RevokeTimeout = TimeSpan.Zero,
        }.Problems().ToList();

        Assert.Equal(
        [
            "GrainLimiter__Leases__Ttl is 00:00:00; it must be between 1 ms and 1 minute.",
            "GrainLimiter__Leases__MinAsks is 0; it must be at least 1.",
            "GrainLimiter__Leases__MinUnits is 0; it must be at least 1.",
            "GrainLimiter__Leases__MaxHolders is -1; it must be between 0 (no leases) and 10000.",
            "GrainLimiter__Leases__MaxCachedDenial is 01:00:00; it must be between 0 (no cached denials) and 1 minute.",
            "GrainLimiter__Leases__RevokeTimeout is 00:00:00; it must be between 1 ms and 30 seconds.",
        ], problems);
    }
}
