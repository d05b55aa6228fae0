using GrainLimiter.Config;
using GrainLimiter.Config.Envoy;
using GrainLimiter.Silo.Policies;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Fronts.Envoy;

/// <summary>The Envoy descriptor configuration in force on this silo; its policies are in the <see cref="PolicyRegistry"/>.</summary>
/// <remarks>Loaded when first resolved, at start, so an invalid file stops start-up with its problems named and every
/// descriptor's policy is known before any grain activates (all silos load the same files). A reload stages the files anew,
/// all or nothing with the policy file.</remarks>
internal sealed class EnvoyDescriptors : IPolicySource
{
    private readonly EnvoyConfigSources _sources;
    private volatile EnvoyRateLimitConfig _config;

    public EnvoyDescriptors(IOptions<EnvoyOptions> options, PolicyRegistry policies)
    {
        _sources = options.Value;
        _config = EnvoyConfigLoader.Load(_sources);
        foreach (var limit in _config.Limits)
        {
            if (!ReferenceEquals(policies.GetOrAdd(limit.Policy!).Definition, limit.Policy))
            {
                throw new EnvoyConfigException([$"Descriptor '{limit.FullKey}' of domain '{limit.Domain}' would count under policy " +
                    $"'{limit.Policy!.Name}', which the policy file already defines."]);
            }
        }
    }

    /// <summary>The descriptor configuration in use.</summary>
    public EnvoyRateLimitConfig Config => _config;

    /// <summary><c>GrainLimiter:Envoy:ConfigPaths</c> and the runtime directory.</summary>
    public IEnumerable<string> Watched => _sources.Watched;

    public StagedPolicies? Stage(string policiesFile, PolicyFile file, List<string> errors)
    {
        EnvoyRateLimitConfig next;
        try
        {
            next = EnvoyConfigLoader.Load(_sources);
        }
        catch (EnvoyConfigException e)
        {
            errors.AddRange(e.Errors);
            return null;
        }

        var policies = next.Limits.Select(static l => l.Policy!).DistinctBy(static p => p.Name).ToArray();
        var fileNames = file.Policies.Select(static p => p.Name).ToHashSet(StringComparer.Ordinal);
        errors.AddRange(policies.Where(p => fileNames.Contains(p.Name))
            .Select(p => $"{policiesFile}: policy '{p.Name}' is also the policy of an Envoy descriptor; rename it."));
        return new StagedPolicies(policies, () => _config = next);
    }
}
