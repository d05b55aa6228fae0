using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using GrainLimiter.Grains;
using GrainLimiter.Policies;

namespace GrainLimiter.Silo.Runtime;

/// <summary>The policies this silo knows: those from the policy file, plus any a front registers (Envoy descriptors).</summary>
public sealed class PolicyRegistry
{
    private readonly ConcurrentDictionary<string, CompiledPolicy> _policies = new(StringComparer.Ordinal);

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
}
