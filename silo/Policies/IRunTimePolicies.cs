using System.Diagnostics.CodeAnalysis;
using GrainLimiter.Policies;

namespace GrainLimiter.Silo.Policies;

/// <summary>Policies a front makes at run time whose name is their whole definition.</summary>
/// <remarks>Only the silo that took the request registers such a policy; the grain of its key may live on another silo,
/// which rebuilds the same definition from the name (<see cref="PolicyRegistry.TryResolve"/>).</remarks>
public interface IRunTimePolicies
{
    /// <summary>The definition a run-time policy's name stands for; false for any other name.</summary>
    bool TryRebuild(string name, [NotNullWhen(true)] out PolicyDefinition? definition);
}
