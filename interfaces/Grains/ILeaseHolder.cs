using GrainLimiter.Leases;

namespace GrainLimiter.Grains;

/// <summary>A holder of key leases (a silo's front): the key's grain reaches it to take back a lease and a cached denial at once.</summary>
/// <remarks>An Orleans observer. It never calls a grain while answering, so a grain may await it inside its turn.</remarks>
[Alias("GrainLimiter.ILeaseHolder")]
public interface ILeaseHolder : IGrainObserver
{
    /// <summary>Drops the holder's lease and cached denial of the key; answers the lease's unused units.</summary>
    [Alias("Revoke")]
    Task<LeaseReturn> RevokeAsync(string policy, string key);
}
