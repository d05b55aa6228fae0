using GrainLimiter.Silo.Runtime.Placement;
using GrainLimiter.Storage;

namespace GrainLimiter.Silo.Runtime.Cluster;

/// <summary>One silo's picture of the cluster: the silos that own keys, and the ring that says which owns what.</summary>
/// <remarks>Immutable; a membership change publishes a new view. <see cref="Version"/> is local to this silo.</remarks>
public sealed class ClusterView
{
    private readonly ConsistentHashRing<string> _ring;

    public ClusterView(long version, string self, IEnumerable<string> members)
    {
        Version = version;
        Self = self;
        Members = members.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        _ring = new ConsistentHashRing<string>(Members, static address => address);
    }

    public long Version { get; }

    /// <summary>This silo's peer address.</summary>
    public string Self { get; }

    /// <summary>The silos owning keys, sorted; this silo is absent while it joins or leaves.</summary>
    public IReadOnlyList<string> Members { get; }

    /// <summary>The owner of <paramref name="id"/>; null when no silo owns keys (every silo gone or this one alone and leaving).</summary>
    public string? OwnerOf(GrainId id) => _ring.IsEmpty ? null : _ring.OwnerOf(StableHash.Of(id.Policy, id.Key));

    public bool IsLocal(GrainId id) => OwnerOf(id) == Self;

    public bool SameMembers(IReadOnlyCollection<string> members) =>
        members.Count == Members.Count && members.Order(StringComparer.Ordinal).SequenceEqual(Members, StringComparer.Ordinal);
}
