using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Fronts.Envoy.Rlqs;

/// <summary>Fails start-up naming every bad <c>GrainLimiter:Envoy:Rlqs</c> setting as the environment variable to fix:
/// each bounds what one Envoy may hold, so zero would refuse every stream and no bound would be no bound.</summary>
public sealed class RlqsOptionsValidator : IValidateOptions<RlqsOptions>
{
    private const string Prefix = "GrainLimiter__Envoy__Rlqs__";

    public ValidateOptionsResult Validate(string? name, RlqsOptions options)
    {
        var failures = new List<string>();
        Between(failures, nameof(RlqsOptions.MaxStreamsPerSilo), options.MaxStreamsPerSilo, 1, 100_000);
        Between(failures, nameof(RlqsOptions.MaxBucketsPerStream), options.MaxBucketsPerStream, 1, 100_000);
        Between(failures, nameof(RlqsOptions.MaxBucketIdEntries), options.MaxBucketIdEntries, 1, 256);
        Between(failures, nameof(RlqsOptions.MaxBucketIdBytes), options.MaxBucketIdBytes, 16, 65_536);
        if (options.IdleStreamTimeout < TimeSpan.FromSeconds(1) || options.IdleStreamTimeout > TimeSpan.FromHours(1))
        {
            failures.Add($"{Prefix}{nameof(RlqsOptions.IdleStreamTimeout)}: must be between 00:00:01 and 01:00:00.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Between(List<string> failures, string setting, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            failures.Add($"{Prefix}{setting}: must be between {min} and {max} (is {value}).");
        }
    }
}
