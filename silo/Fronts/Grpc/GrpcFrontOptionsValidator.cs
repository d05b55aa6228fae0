using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Fronts.Grpc;

/// <summary>Fails start-up naming every bad <c>GrainLimiter:Grpc</c> setting as the environment variable to fix.</summary>
public sealed class GrpcFrontOptionsValidator : IValidateOptions<GrpcFrontOptions>
{
    public ValidateOptionsResult Validate(string? name, GrpcFrontOptions options)
    {
        var failures = new List<string>();
        if (options.StreamIdleTimeout < TimeSpan.FromSeconds(1) || options.StreamIdleTimeout > TimeSpan.FromHours(1))
        {
            failures.Add("GrainLimiter__Grpc__StreamIdleTimeout: must be between 00:00:01 and 01:00:00.");
        }

        if (options.MaxStreamBatchesInFlight is < 1 or > 1024)
        {
            failures.Add("GrainLimiter__Grpc__MaxStreamBatchesInFlight: must be between 1 and 1024.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
