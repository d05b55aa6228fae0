using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using GrainLimiter.Grains;
using GrainLimiter.Policies;

namespace GrainLimiter.Silo.Policies;

/// <summary>The policies this silo knows: those from the policy file, plus any a front registers (Envoy descriptors, and
/// <see cref="IRunTimePolicies"/> it makes per request).</summary>
/// <remarks>
/// Grains resolve their policy here on the silo they activate on (<see cref="IPolicyResolver"/>). A reload
/// (<see cref="Replace"/>) swaps the whole set at once and raises <see cref="Version"/>; a policy whose definition did not
/// change keeps its compiled object, so its grains carry on untouched.
/// </remarks>
public sealed class PolicyRegistry : IPolicyResolver
{
    // Run-time policies rebuilt from their names are bounded: names come from other silos' validated calls.
    private const int MaxRebuiltPolicies = 10_000;
    private readonly Lock _replacing = new();
    private readonly IRunTimePolicies? _runTime;
    private volatile ConcurrentDictionary<string, CompiledPolicy> _policies = new(StringComparer.Ordinal);
    private long _version = 1;
    private int _rebuilt;

    public PolicyRegistry(IEnumerable<PolicyDefinition> definitions, IRunTimePolicies? runTime = null)
    {
        _runTime = runTime;
        foreach (var definition in definitions)
        {
            if (!_policies.TryAdd(definition.Name, new CompiledPolicy(definition)))
            {
                throw new ArgumentException($"Policy '{definition.Name}' is defined twice.", nameof(definitions));
            }
        }
    }

    public IEnumerable<CompiledPolicy> All => _policies.Values;

    /// <summary>Every policy but those made at run time: the ones a file defines.</summary>
    public IEnumerable<CompiledPolicy> Configured => All.Where(p => !IsRunTime(p.Name));

    /// <summary>1 at start; one more for every reload that changed a policy.</summary>
    public long Version => Interlocked.Read(ref _version);

    public bool TryGet(string name, [NotNullWhen(true)] out CompiledPolicy? policy) => _policies.TryGetValue(name, out policy);

    /// <summary>Registers a policy made at run time, or returns the one already registered under its name.</summary>
    public CompiledPolicy GetOrAdd(PolicyDefinition definition) =>
        _policies.GetOrAdd(definition.Name, static (_, d) => new CompiledPolicy(d), definition);

    /// <summary>Replaces every configured policy by <paramref name="definitions"/> (already validated); run-time policies stay.</summary>
    /// <returns>Whether anything changed (then <see cref="Version"/> grew by one).</returns>
    public bool Replace(IEnumerable<PolicyDefinition> definitions)
    {
        lock (_replacing)
        {
            var current = _policies;
            var next = new ConcurrentDictionary<string, CompiledPolicy>(StringComparer.Ordinal);
            foreach (var definition in definitions)
            {
                var compiled = current.TryGetValue(definition.Name, out var existing) && SameDefinition(existing.Definition, definition)
                    ? existing
                    : new CompiledPolicy(definition);
                if (!next.TryAdd(definition.Name, compiled))
                {
                    throw new ArgumentException($"Policy '{definition.Name}' is defined twice.", nameof(definitions));
                }
            }

            foreach (var (name, policy) in current)
            {
                if (IsRunTime(name))
                {
                    next.TryAdd(name, policy);
                }
            }

            var changed = next.Count != current.Count || next.Any(p => !current.TryGetValue(p.Key, out var before) || !ReferenceEquals(before, p.Value));
            if (changed)
            {
                _policies = next;
                Interlocked.Increment(ref _version);
            }

            return changed;
        }
    }

    /// <summary>A configured policy, or a run-time policy rebuilt from its name (<see cref="IRunTimePolicies"/>).</summary>
    public bool TryResolve(string name, [NotNullWhen(true)] out CompiledPolicy? policy)
    {
        if (_policies.TryGetValue(name, out policy))
        {
            return true;
        }

        if (_runTime is null || !_runTime.TryRebuild(name, out var definition) || Interlocked.Increment(ref _rebuilt) > MaxRebuiltPolicies)
        {
            return false;
        }

        policy = GetOrAdd(definition);
        return true;
    }

    private bool IsRunTime(string name) => _runTime?.TryRebuild(name, out _) == true;

    private static bool SameDefinition(PolicyDefinition a, PolicyDefinition b) =>
        a with { Limits = b.Limits } == b && a.Limits.SequenceEqual(b.Limits);
}
