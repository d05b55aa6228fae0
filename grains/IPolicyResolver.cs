using System.Diagnostics.CodeAnalysis;

namespace GrainLimiter.Grains;

/// <summary>Finds the compiled policy a grain is named after, on the silo where the grain activates.</summary>
public interface IPolicyResolver
{
    /// <summary>The policy named <paramref name="name"/>: configured on every silo, or a run-time policy whose name encodes it.</summary>
    bool TryResolve(string name, [NotNullWhen(true)] out CompiledPolicy? policy);

    /// <summary>Grows by one whenever the policies change (a reload): a grain resolves its policy again when it differs.</summary>
    long Version { get; }
}
