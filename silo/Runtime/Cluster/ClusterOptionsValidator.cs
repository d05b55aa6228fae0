using GrainLimiter.Silo.Config;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Runtime.Cluster;

/// <summary>Fails start-up with every bad cluster setting named as the environment variable to fix.</summary>
/// <remarks>A multi-silo mode without a secret refuses to start: peers would otherwise accept anyone's calls.</remarks>
public sealed class ClusterOptionsValidator(IConfiguration configuration, IOptions<SiloOptions> silo) : IValidateOptions<ClusterOptions>
{
    public const string MinimumSecretLength = "16";

    public ValidateOptionsResult Validate(string? name, ClusterOptions options)
    {
        var failures = new List<string>();
        void Require(bool ok, string setting, string problem)
        {
            if (!ok)
            {
                failures.Add($"GrainLimiter__Cluster__{setting}: {problem}");
            }
        }

        Require(options.Membership is MembershipKinds.None or MembershipKinds.Static or MembershipKinds.Dns or MembershipKinds.Redis,
            nameof(options.Membership), $"must be 'none', 'static', 'dns' or 'redis', not '{options.Membership}'.");
        Require(options.BatchSize is >= 1 and <= 10_000, nameof(options.BatchSize), "must be between 1 and 10000.");
        Require(options.BatchDelay >= TimeSpan.Zero && options.BatchDelay <= TimeSpan.FromMilliseconds(100),
            nameof(options.BatchDelay), "must be between 0 and 100 ms.");
        Require(options.PeerQueueCapacity is >= 1 and <= 1_000_000, nameof(options.PeerQueueCapacity), "must be between 1 and 1000000.");
        Require(options.MaxBatchesInFlight is >= 1 and <= 100, nameof(options.MaxBatchesInFlight), "must be between 1 and 100.");
        Require(options.PeerTimeout >= TimeSpan.FromMilliseconds(1) && options.PeerTimeout <= TimeSpan.FromMinutes(1),
            nameof(options.PeerTimeout), "must be between 1 ms and 1 minute.");
        Require(options.MaxPeerMessageBytes is >= 64 * 1024 and <= 64 * 1024 * 1024, nameof(options.MaxPeerMessageBytes), "must be between 64 KiB and 64 MiB.");
        Require(options.RefreshInterval >= TimeSpan.FromMilliseconds(50), nameof(options.RefreshInterval), "must be at least 50 ms.");
        Require(options.DnsRefreshInterval >= TimeSpan.FromMilliseconds(100), nameof(options.DnsRefreshInterval), "must be at least 100 ms.");
        Require(options.LeaveTimeout >= TimeSpan.FromSeconds(1), nameof(options.LeaveTimeout), "must be at least 1 s.");
        Require(options.MaxReroutes is >= 0 and <= 10, nameof(options.MaxReroutes), "must be between 0 and 10.");
        var detection = options.FailureDetection;
        Require(detection.ProbeInterval >= TimeSpan.FromMilliseconds(10), "FailureDetection__ProbeInterval", "must be at least 10 ms.");
        Require(detection.ProbeTimeout >= TimeSpan.FromMilliseconds(10), "FailureDetection__ProbeTimeout", "must be at least 10 ms.");
        Require(detection.DeadAfter > detection.ProbeInterval, "FailureDetection__DeadAfter", "must be longer than FailureDetection__ProbeInterval.");

        if (options.IsMultiSilo)
        {
            Require(options.Secret is { Length: >= 16 }, nameof(options.Secret),
                $"is required with Membership '{options.Membership}' and must be at least {MinimumSecretLength} characters: peers authenticate each other with it.");
            Require(PeerAddress.TryParse(options.AdvertisedAddress, out _), nameof(options.AdvertisedAddress),
                $"is required with Membership '{options.Membership}': this silo's peer endpoint as host:port (got '{options.AdvertisedAddress}').");
            if (string.IsNullOrEmpty(configuration["Kestrel:Endpoints:Peer:Url"]))
            {
                failures.Add($"Kestrel__Endpoints__Peer__Url: is required with Membership '{options.Membership}': the peer endpoint (HTTP/2), e.g. http://0.0.0.0:8082.");
            }

            Require(options.Membership != MembershipKinds.Redis || silo.Value.Storage == "redis", nameof(options.Membership),
                "'redis' membership needs GrainLimiter__Storage=redis (keys re-home from the state in Redis).");
        }

        if (options.Membership == MembershipKinds.Static)
        {
            var peers = PeerAddress.ParseList(options.Peers);
            Require(peers is { Count: > 0 }, nameof(options.Peers),
                $"must list every silo's peer address as host:port, comma-separated (got '{options.Peers}').");
            Require(peers is null || options.AdvertisedAddress is null || peers.Contains(options.AdvertisedAddress), nameof(options.Peers),
                $"must include this silo's GrainLimiter__Cluster__AdvertisedAddress '{options.AdvertisedAddress}'.");
        }

        if (options.Membership == MembershipKinds.Dns)
        {
            Require(!string.IsNullOrWhiteSpace(options.DnsName), nameof(options.DnsName), "is required with Membership 'dns' (e.g. the headless service name).");
            Require(options.DnsPort is >= 0 and <= 65535, nameof(options.DnsPort), "must be a port number (0: the AdvertisedAddress port).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
