namespace GrainLimiter.Grains;

/// <summary>Tells every silo that the policies were reloaded somewhere: one grain (key 0) holding a number that each
/// silo polls; when it changes, the silo reloads its own copy of the policy and Envoy files.</summary>
/// <remarks>In memory only: after the grain is lost the number starts again, which is a change too.</remarks>
[Alias("GrainLimiter.IPolicyVersionGrain")]
public interface IPolicyVersionGrain : IGrainWithIntegerKey
{
    /// <summary>Announces a reload; answers the new number.</summary>
    [Alias("Announce")]
    ValueTask<long> AnnounceAsync();

    /// <summary>The current number.</summary>
    [Alias("Current")]
    ValueTask<long> CurrentAsync();
}
