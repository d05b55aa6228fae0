using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using GrainLimiter.Grains;
using GrainLimiter.Policies;

namespace GrainLimiter.Silo.Runtime;

/// <summary>The policies this silo knows: those from the policy file, plus any a front registers (Envoy descriptors).</summary>
/// <remarks>Grains resolve their policy here on the silo they activate on (<see cref="IPolicyResolver"/>).</remarks>
public sealed class PolicyRegistry : IPolicyResolver
{
    // Run-time policies rebuilt from their names are bounded: names come from other silos' validated calls.
    private const int MaxRebuiltPolicies = 10_000;
    private readonly ConcurrentDictionary<string, CompiledPolicy> _policies = new(StringComparer.Ordinal);
    private int _rebuilt;

    public PolicyRegistry(IEnumerable<PolicyDefinition> definitions)
    {
        foreach (var definition in definitions)
        {
            if (!_policies.TryAdd(definition.Name, new CompiledPolicy(definition)))
            {
                throw new ArgumentException($"Policy '{definition.Name}' is defined twice.", nameof(definitions));
            }
        }
    }

    public IEnumerable<CompiledPolicy> All => _policies.Values;

    public bool TryGet(string name, [NotNullWhen(true)] out CompiledPolicy? policy) => _policies.TryGetValue(name, out policy);

    /// <summary>Registers a policy made at run time, or returns the one already registered under its name.</summary>
    public CompiledPolicy GetOrAdd(PolicyDefinition definition) =>
        _policies.GetOrAdd(definition.Name, static (_, d) => new CompiledPolicy(d), definition);

    /// <summary>A configured policy, or a run-time policy rebuilt from its name (<see cref="RunTimePolicies"/>).</summary>
    public bool TryResolve(string name, [NotNullWhen(true)] out CompiledPolicy? policy)
    {
        if (_policies.TryGetValue(name, out policy))
        {
            return true;
        }

        if (!RunTimePolicies.TryParse(name, out var definition) || Interlocked.Increment(ref _rebuilt) > MaxRebuiltPolicies)
        {
            return false;
        }

        policy = GetOrAdd(definition);
        return true;
    }
}
