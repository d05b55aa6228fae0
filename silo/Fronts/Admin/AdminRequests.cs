using GrainLimiter.Silo.Fronts.Http;
using GrainLimiter.Silo.Checks;
using GrainLimiter.Silo.Policies;

namespace GrainLimiter.Silo.Fronts.Admin;

/// <summary>What every admin endpoint does with a (policy, key) and with a grain call that fails.</summary>
internal static class AdminRequests
{
    /// <summary>Validates the pair; writes 404 (unknown policy) or 400 and answers false when it is not usable.</summary>
    public static async Task<bool> ValidKeyAsync(HttpContext context, CheckValidator validator, PolicyRegistry policies, string? policy, string? key)
    {
        if (validator.Validate(policy, key) is not { } error)
        {
            return true;
        }

        if (!string.IsNullOrEmpty(policy) && !policies.TryGet(policy, out _))
        {
            await UnknownPolicyAsync(context, error.Message);
        }
        else
        {
            await Problem.BadRequestAsync(context, error.Field, error.Message);
        }

        return false;
    }

    public static Task UnknownPolicyAsync(HttpContext context, string message) =>
        Problem.WriteAsync(context, StatusCodes.Status404NotFound, "Unknown policy", "policy", $"policy {message}");

    /// <summary>Runs a grain call; a grain that cannot be reached or cannot store the change answers 503 rather than 500.</summary>
    public static async Task<(bool Done, T Value)> CallAsync<T>(HttpContext context, Func<ValueTask<T>> call)
    {
        try
        {
            return (true, await call());
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            context.Response.Headers.RetryAfter = "1";
            await Problem.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "Key unavailable", null,
                $"The key's grain could not do it now ({e.GetType().Name}: {e.Message}); try again.");
            return (false, default!);
        }
    }
}
