using GrainLimiter.Grains.Algorithms;
using GrainLimiter.Silo.Config;
using GrainLimiter.Silo.Tls;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Regions;

/// <summary>Stops start-up on a bad region setting, naming the environment variable to fix.</summary>
public sealed class RegionSyncOptionsValidator(IOptions<SiloOptions> silo) : IValidateOptions<RegionSyncOptions>
{
    private const string Prefix = "GrainLimiter__Regions__";

    public ValidateOptionsResult Validate(string? name, RegionSyncOptions options)
    {
        var failures = new List<string>();
        void Require(bool ok, string setting, string problem)
        {
            if (!ok)
            {
                failures.Add($"{Prefix}{setting}: {problem}");
            }
        }

        var region = silo.Value.Region;
        var names = new HashSet<string>(StringComparer.Ordinal) { region };
        Require(options.Peers.Count < LimitAlgorithm.MaxRegions, "Peers", $"at most {LimitAlgorithm.MaxRegions - 1} peer regions are allowed.");
        for (var i = 0; i < options.Peers.Count; i++)
        {
            var peer = options.Peers[i];
            var peerName = peer?.Name;
            if (string.IsNullOrWhiteSpace(peerName) || peerName.Length > 64)
            {
                failures.Add($"{Prefix}Peers__{i}__Name: is required, 1 to 64 characters.");
            }
            else if (!names.Add(peerName))
            {
                failures.Add($"{Prefix}Peers__{i}__Name: '{peerName}' is this region (GrainLimiter__Region) or another peer's name.");
            }

            if (!Uri.TryCreate(peer?.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            {
                failures.Add($"{Prefix}Peers__{i}__Url: must be the http:// or https:// URL of the peer region's gRPC port; got '{peer?.Url}'.");
            }
        }

        if (options.Peers.Count > 0)
        {
            Require(options.Secret is { Length: >= 16 }, "Secret", "is required with peer regions, at least 16 characters (the same in every region).");
        }

        if (!string.IsNullOrEmpty(options.CaFile))
        {
            try
            {
                CertificateAuthorities.Load(options.CaFile, $"{Prefix}CaFile");
            }
            catch (TlsSettingException e)
            {
                failures.Add(e.Message);
            }
        }

        Require(options.SyncInterval >= TimeSpan.FromMilliseconds(1) && options.SyncInterval <= TimeSpan.FromMinutes(1),
            "SyncInterval", "must be between 1 ms and 1 minute.");
        Require(options.BatchSize is >= 1 and <= 100_000, "BatchSize", "must be between 1 and 100000.");
        Require(options.QueueCapacity is >= 1 and <= 10_000_000, "QueueCapacity", "must be between 1 and 10000000.");
        Require(options.MaxMessageBytes is >= 1024 and <= 64 * 1024 * 1024, "MaxMessageBytes", "must be between 1 KiB and 64 MiB.");
        Require(options.PushTimeout >= TimeSpan.FromMilliseconds(10) && options.PushTimeout <= TimeSpan.FromMinutes(1),
            "PushTimeout", "must be between 10 ms and 1 minute.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
