namespace GrainLimiter.Grains.QuotaBuckets;

/// <summary>What a quota bucket stores: no assignment it sent lasts beyond <see cref="HorizonTicks"/> (UTC), so a
/// re-activation elsewhere knows how long assignments it cannot see may still be in force.</summary>
[GenerateSerializer, Alias("GrainLimiter.QuotaBucketState")]
public sealed class QuotaBucketState
{
    [Id(0)]
    public long HorizonTicks { get; set; }
}
