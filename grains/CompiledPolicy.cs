using GrainLimiter.Grains.Algorithms;
using GrainLimiter.Policies;

namespace GrainLimiter.Grains;

/// <summary>A policy ready to decide: its definition with one shared algorithm object per limit.</summary>
public sealed class CompiledPolicy
{
    public CompiledPolicy(PolicyDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (definition.Limits.Count == 0)
        {
            throw new ArgumentException($"Policy '{definition.Name}' has no limits.", nameof(definition));
        }

        Definition = definition;
        Algorithms = definition.Limits.Select(LimitAlgorithm.Create).ToArray();
        LimitNames = definition.Limits
            .Select((limit, index) => limit.Name ?? (definition.Limits.Count == 1 ? definition.Name : $"{definition.Name}#{index}"))
            .ToArray();
    }

    public PolicyDefinition Definition { get; }

    public string Name => Definition.Name;

    public IReadOnlyList<LimitAlgorithm> Algorithms { get; }

    /// <summary>The name each limit is reported under (headers, responses, metrics).</summary>
    public IReadOnlyList<string> LimitNames { get; }
}
