using System.Net;
using GrainLimiter.Tls;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Hosting;

/// <summary>Fails start-up with every bad <c>GrainLimiter:Cluster</c> setting named as the environment variable to fix.</summary>
public sealed class SiloClusterOptionsValidator : IValidateOptions<SiloClusterOptions>
{
    /// <summary>What Microsoft.Orleans.Hosting.Kubernetes reads in a pod: the downward API's variables and those Kubernetes sets.</summary>
    private static readonly string[] PodVariables = ["POD_NAME", "POD_NAMESPACE", "POD_IP", "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT"];

    private readonly Func<string, string?> _environment;

    public SiloClusterOptionsValidator()
        : this(Environment.GetEnvironmentVariable)
    {
    }

    /// <summary>Reads the process environment through <paramref name="environment"/> (tests).</summary>
    internal SiloClusterOptionsValidator(Func<string, string?> environment) => _environment = environment;

    public ValidateOptionsResult Validate(string? name, SiloClusterOptions options)
    {
        var failures = new List<string>();
        void Require(bool ok, string setting, string problem)
        {
            if (!ok)
            {
                failures.Add($"GrainLimiter__Cluster__{setting}: {problem}");
            }
        }

        Require(options.Membership is SiloClusterOptions.None or SiloClusterOptions.Redis, nameof(options.Membership),
            $"must be 'none' or 'redis', not '{options.Membership}' (static and dns membership were replaced by Orleans' Redis clustering).");
        Require(options.Directory is SiloClusterOptions.DistributedDirectory or SiloClusterOptions.LocalDirectory, nameof(options.Directory),
            $"must be 'distributed' or 'local', not '{options.Directory}'.");
        Require(IsId(options.ClusterId), nameof(options.ClusterId), "must be 1 to 64 letters, digits, '-', '_' or '.'.");
        Require(IsId(options.ServiceId), nameof(options.ServiceId), "must be 1 to 64 letters, digits, '-', '_' or '.'.");
        Require(options.SiloPort is > 0 and <= 65535, nameof(options.SiloPort), "must be a port number (1..65535).");
        Require(options.GatewayPort is > 0 and <= 65535, nameof(options.GatewayPort), "must be a port number (1..65535).");
        Require(options.SiloPort != options.GatewayPort, nameof(options.GatewayPort), "must differ from GrainLimiter__Cluster__SiloPort.");
        if (options.Membership == SiloClusterOptions.Redis)
        {
            Require(IPAddress.TryParse(options.AdvertisedIp, out var ip) && !ip.Equals(IPAddress.Any) && !ip.Equals(IPAddress.IPv6Any),
                nameof(options.AdvertisedIp),
                $"must be this silo's IP address as other silos reach it (Kubernetes: the pod IP) when membership is 'redis', not '{options.AdvertisedIp}'.");
        }
        else
        {
            Require(options.AdvertisedIp is null || IPAddress.TryParse(options.AdvertisedIp, out _), nameof(options.AdvertisedIp),
                $"'{options.AdvertisedIp}' is not an IP address.");
        }

        // Kubernetes leaves $(VAR) as written when VAR is not defined earlier in the container's env.
        Require(options.SiloName is null || options.SiloName.Length is > 0 and <= 253 && !options.SiloName.Contains("$(", StringComparison.Ordinal),
            nameof(options.SiloName),
            $"must be 1 to 253 characters, not '{options.SiloName}' (with $(POD_NAME), define POD_NAME before it in the container's env).");
        if (options.KubernetesHosting)
        {
            Require(options.Membership == SiloClusterOptions.Redis, nameof(options.KubernetesHosting),
                "needs GrainLimiter__Cluster__Membership 'redis': Kubernetes hosting adds to the cluster's membership, it does not replace it.");
            var missing = PodVariables.Where(v => string.IsNullOrEmpty(_environment(v))).ToList();
            Require(missing.Count == 0, nameof(options.KubernetesHosting),
                $"is true but {string.Join(", ", missing)} not set: run the silo in a pod with POD_NAME, POD_NAMESPACE and POD_IP " +
                $"from the downward API (k8s/components/kubernetes-hosting), or leave it off.");
            foreach (var (variable, setting, value) in new[] { ("ORLEANS_CLUSTER_ID", nameof(options.ClusterId), options.ClusterId),
                ("ORLEANS_SERVICE_ID", nameof(options.ServiceId), options.ServiceId) })
            {
                var fromPod = _environment(variable);
                Require(string.IsNullOrEmpty(fromPod) || fromPod == value, nameof(options.KubernetesHosting),
                    $"{variable} '{fromPod}' differs from GrainLimiter__Cluster__{setting} '{value}', and Kubernetes hosting would take it: set them alike.");
            }
        }

        Require(options.ProbeTimeout >= TimeSpan.FromMilliseconds(100), nameof(options.ProbeTimeout), "must be at least 00:00:00.100.");
        Require(options.NumMissedProbesLimit is >= 1 and <= 10, nameof(options.NumMissedProbesLimit), "must be between 1 and 10.");
        Require(options.NumVotesForDeathDeclaration is >= 1 and <= 10, nameof(options.NumVotesForDeathDeclaration), "must be between 1 and 10.");
        Require(options.TableRefreshTimeout >= TimeSpan.FromMilliseconds(100), nameof(options.TableRefreshTimeout), "must be at least 00:00:00.100.");
        Require(options.DeathVoteExpirationTimeout >= TimeSpan.FromSeconds(1), nameof(options.DeathVoteExpirationTimeout), "must be at least 00:00:01.");
        Require(options.IAmAliveTablePublishTimeout >= TimeSpan.FromSeconds(1), nameof(options.IAmAliveTablePublishTimeout), "must be at least 00:00:01.");
        Require(options.ResponseTimeout >= TimeSpan.FromMilliseconds(100) && options.ResponseTimeout <= TimeSpan.FromMinutes(5),
            nameof(options.ResponseTimeout), "must be between 00:00:00.100 and 00:05:00.");
        // Reads the certificate and CA files: a missing or mismatched one stops start-up, not every connection.
        OrleansTlsCredentials.Load(options.Tls, TlsRole.Silo, SiloClusterOptions.TlsSetting, failures)?.Certificate.Dispose();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsId(string? value) =>
        !string.IsNullOrEmpty(value) && value.Length <= 64 && value.All(static c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
