using GrainLimiter.Membership;

namespace GrainLimiter.Silo.Runtime.Cluster.Membership;

/// <summary>A fixed list of silos (development, tests, fixed fleets): every address is a member unless the failure detector says otherwise.</summary>
public sealed class StaticMembershipSource(IReadOnlyList<string> peers, TimeSpan refreshInterval) : IMembershipSource
{
    private readonly MemberStatus[] _members = peers.Select(static p => new MemberStatus(p, SiloStatus.Active)).ToArray();

    public TimeSpan RefreshInterval => refreshInterval;

    public ValueTask<bool> PublishAsync(SiloStatus status, CancellationToken cancellationToken) => ValueTask.FromResult(true);

    public ValueTask<IReadOnlyList<MemberStatus>?> ReadAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<MemberStatus>?>(_members);
}
