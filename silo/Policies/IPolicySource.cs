using GrainLimiter.Config;

namespace GrainLimiter.Silo.Policies;

/// <summary>What a reload puts in force besides the policy file's policies: files of their own (Envoy's descriptor files) or a
/// section of the policy file a front reads (quota buckets).</summary>
/// <remarks>A source is staged with every other one and put in force only when none of them has a problem.</remarks>
public interface IPolicySource
{
    /// <summary>The files and directories whose change reloads.</summary>
    IEnumerable<string> Watched { get; }

    /// <summary>Reads the source anew against the policy file about to be in force; every problem is added to <paramref name="errors"/>.</summary>
    /// <param name="policiesFile">The policy file's path, as problems name it.</param>
    /// <returns>The policies the source adds and how to put it in force; null when it could not be read.</returns>
    StagedPolicies? Stage(string policiesFile, PolicyFile file, List<string> errors);
}
