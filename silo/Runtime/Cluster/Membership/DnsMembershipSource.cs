using System.Net;
using GrainLimiter.Membership;

namespace GrainLimiter.Silo.Runtime.Cluster.Membership;

/// <summary>The A/AAAA records of a name (a Kubernetes headless service lists its ready pods), re-resolved every refresh.</summary>
/// <remarks>A resolution that fails keeps the last answer: a DNS hiccup must not empty the cluster.</remarks>
public sealed class DnsMembershipSource(string name, int port, TimeSpan refreshInterval, Func<string, CancellationToken, Task<IPAddress[]>>? resolve = null)
    : IMembershipSource
{
    private readonly Func<string, CancellationToken, Task<IPAddress[]>> _resolve = resolve ?? Dns.GetHostAddressesAsync;
    private IReadOnlyList<MemberStatus>? _last;

    public TimeSpan RefreshInterval => refreshInterval;

    public ValueTask<bool> PublishAsync(SiloStatus status, CancellationToken cancellationToken) => ValueTask.FromResult(true);

    public async ValueTask<IReadOnlyList<MemberStatus>?> ReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            var addresses = await _resolve(name, cancellationToken).ConfigureAwait(false);
            _last = addresses
                .Select(a => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a)
                .Select(a => PeerAddress.Format(a.ToString(), port))
                .Distinct(StringComparer.Ordinal)
                .Select(static a => new MemberStatus(a, SiloStatus.Active))
                .ToArray();
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or OperationCanceledException && _last is not null)
        {
            // Keep the last answer.
        }

        return _last ?? [];
    }
}
