namespace GrainLimiter.Grains.Persistence;

/// <summary>What the grain storage keeps of a key: the <see cref="GrainStateCodec"/> bytes of its limits.</summary>
[GenerateSerializer, Alias("GrainLimiter.LimitGrainState")]
public sealed class LimitGrainState
{
    /// <summary>Null or empty: a fresh key.</summary>
    [Id(0)]
    public byte[]? Data { get; set; }
}
