using GrainLimiter.Config;
using GrainLimiter.Silo.Checks.Overload;
using GrainLimiter.Silo.Storage;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Config;

/// <summary>Fails start-up with every bad setting named, as the environment variable to fix.</summary>
public sealed class SiloOptionsValidator : IValidateOptions<SiloOptions>
{
    public ValidateOptionsResult Validate(string? name, SiloOptions options)
    {
        var failures = new List<string>();
        void Require(bool ok, string setting, string problem)
        {
            if (!ok)
            {
                failures.Add($"GrainLimiter__{setting}: {problem}");
            }
        }

        Require(options.Storage is "memory" or "redis", nameof(options.Storage),
            $"must be 'memory' or 'redis', not '{options.Storage}'{Suggestion.EndWithDidYouMean(options.Storage, ["memory", "redis"])}");
        if (options.Storage == "redis")
        {
            Require(!string.IsNullOrWhiteSpace(options.Redis), nameof(options.Redis),
                "is required when GrainLimiter__Storage is 'redis' (e.g. 'redis:6379,password=...').");
        }

        // Redis membership reads it too, whatever the storage.
        if (!string.IsNullOrWhiteSpace(options.Redis))
        {
            try
            {
                RedisConfiguration.Parse(options.Redis);
            }
            catch (FormatException e)
            {
                failures.Add($"GrainLimiter__Redis: {e.Message}");
            }
        }

        Require(!string.IsNullOrWhiteSpace(options.RedisKeyPrefix) && options.RedisKeyPrefix.Length <= 64,
            nameof(options.RedisKeyPrefix), "must be 1 to 64 characters.");
        Require(!string.IsNullOrWhiteSpace(options.Region) && options.Region.Length <= 64, nameof(options.Region), "must be 1 to 64 characters.");
        Require(options.MaxActiveGrains >= 1, nameof(options.MaxActiveGrains), "must be at least 1.");
        Require(options.IdleTimeout >= TimeSpan.FromSeconds(1), nameof(options.IdleTimeout), "must be at least 00:00:01.");
        Require(options.FlushInterval >= TimeSpan.FromMilliseconds(1) && options.FlushInterval <= TimeSpan.FromMinutes(1),
            nameof(options.FlushInterval), "must be between 1 ms and 1 minute.");
        Require(options.ShutdownTimeout >= TimeSpan.FromSeconds(1) && options.ShutdownTimeout <= TimeSpan.FromMinutes(10),
            nameof(options.ShutdownTimeout), "must be between 00:00:01 and 00:10:00.");
        Require(options.PolicyReloadDelay >= TimeSpan.FromMilliseconds(10) && options.PolicyReloadDelay <= TimeSpan.FromMinutes(10),
            nameof(options.PolicyReloadDelay), "must be between 10 ms and 10 minutes.");
        Require(options.MaxChecksPerRequest is >= 1 and <= 10_000, nameof(options.MaxChecksPerRequest), "must be between 1 and 10000.");
        Require(options.MaxChecksPerBatch is >= 1 and <= 10_000, nameof(options.MaxChecksPerBatch), "must be between 1 and 10000.");
        Require(options.MaxOutcomesPerReport is >= 1 and <= 10_000, nameof(options.MaxOutcomesPerReport), "must be between 1 and 10000.");
        Require(options.MaxKeyBytes is >= 1 and <= 64 * 1024, nameof(options.MaxKeyBytes), "must be between 1 and 65536.");
        Require(options.MaxCost >= 1, nameof(options.MaxCost), "must be at least 1.");
        Require(options.MaxRequestBodyBytes is >= 1024 and <= 16 * 1024 * 1024, nameof(options.MaxRequestBodyBytes), "must be between 1 KiB and 16 MiB.");
        Require(options.MaxChecksInFlight is >= 1 and <= 1_000_000, nameof(options.MaxChecksInFlight), "must be between 1 and 1000000.");
        Require(options.MaxQueuedChecks is >= 0 and <= 1_000_000, nameof(options.MaxQueuedChecks), "must be between 0 and 1000000.");
        Require(options.CheckTimeout >= TimeSpan.FromMilliseconds(10) && options.CheckTimeout <= TimeSpan.FromMinutes(5),
            nameof(options.CheckTimeout), "must be between 10 ms and 5 minutes.");
        Require(options.DeadlineMargin >= TimeSpan.Zero && options.DeadlineMargin <= TimeSpan.FromMinutes(1),
            nameof(options.DeadlineMargin), "must be between 0 and 1 minute.");
        Require(options.OverloadAnswer is OverloadAnswers.Refuse or OverloadAnswers.FailureMode, nameof(options.OverloadAnswer),
            $"must be '{OverloadAnswers.Refuse}' or '{OverloadAnswers.FailureMode}', not '{options.OverloadAnswer}'"
            + Suggestion.EndWithDidYouMean(options.OverloadAnswer, [OverloadAnswers.Refuse, OverloadAnswers.FailureMode]));
        Require(options.OverloadRetryAfter >= TimeSpan.FromMilliseconds(1) && options.OverloadRetryAfter <= TimeSpan.FromHours(1),
            nameof(options.OverloadRetryAfter), "must be between 1 ms and 1 hour.");
        Require(options.MaxQueuedCallsPerKey is >= 0 and <= 1_000_000, nameof(options.MaxQueuedCallsPerKey), "must be between 0 (no bound) and 1000000.");
        Require(options.MaxRequestIdBytes is >= 1 and <= 1024, nameof(options.MaxRequestIdBytes), "must be between 1 and 1024.");
        Require(options.RequestIdWindow >= TimeSpan.FromMilliseconds(100) && options.RequestIdWindow <= TimeSpan.FromMinutes(10),
            nameof(options.RequestIdWindow), "must be between 100 ms and 10 minutes.");
        Require(options.MaxRequestIdsPerKey is >= 1 and <= 100_000, nameof(options.MaxRequestIdsPerKey), "must be between 1 and 100000.");
        Require(options.AdminToken is null || options.AdminToken.Length >= 16, nameof(options.AdminToken), "must be at least 16 characters when set.");
        Require(options.AdminReadToken is null || options.AdminReadToken.Length >= 16,
            nameof(options.AdminReadToken), "must be at least 16 characters when set.");
        Require(options.AdminReadToken is null || options.AdminReadToken != options.AdminToken,
            nameof(options.AdminReadToken), "must differ from GrainLimiter__AdminToken.");
        Require(options.PoliciesFile is null || options.PoliciesFile.Length == 0 || File.Exists(options.PoliciesFile),
            nameof(options.PoliciesFile), $"file '{options.PoliciesFile}' does not exist.");

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
