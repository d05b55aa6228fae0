namespace GrainLimiter.Leases;

/// <summary>What a holder gives back of one lease: its unused units (zero when it used them all or holds none).</summary>
[GenerateSerializer, Immutable, Alias("GrainLimiter.LeaseReturn")]
public readonly record struct LeaseReturn([property: Id(0)] long LeaseId, [property: Id(1)] long Units)
{
    public static readonly LeaseReturn None = default;
}
