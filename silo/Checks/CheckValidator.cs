using System.Text;
using GrainLimiter.Decisions;
using GrainLimiter.Silo.Config;
using Microsoft.Extensions.Options;
using GrainLimiter.Silo.Policies;

namespace GrainLimiter.Silo.Checks;

/// <summary>The bounds every front applies to what a caller sends, with errors that name the field.</summary>
public sealed class CheckValidator(PolicyRegistry policies, IOptions<SiloOptions> options)
{
    private readonly SiloOptions _options = options.Value;

    public int MaxChecks => _options.MaxChecksPerRequest;

    public int MaxChecksPerBatch => _options.MaxChecksPerBatch;

    /// <summary>The first problem with <paramref name="checks"/>, or null when they are valid.</summary>
    /// <param name="field">Prefix of the field names in messages, e.g. "checks".</param>
    public ValidationError? Validate(IReadOnlyList<CheckRequest> checks, string field = "checks")
    {
        if (checks.Count == 0)
        {
            return new(field, "must contain at least one check.");
        }

        if (checks.Count > _options.MaxChecksPerRequest)
        {
            return new(field, $"has {checks.Count} checks; at most {_options.MaxChecksPerRequest} are allowed in one request.");
        }

        for (var i = 0; i < checks.Count; i++)
        {
            // The field name is only formatted for an error: valid items (nearly all) allocate nothing.
            if (Validate(checks[i].Policy, checks[i].Key) is not null)
            {
                return Validate(checks[i].Policy, checks[i].Key, $"{field}[{i}]");
            }

            if (checks[i].Cost < 0 || checks[i].Cost > _options.MaxCost)
            {
                return new($"{field}[{i}].cost", $"must be between 0 and {_options.MaxCost}; got {checks[i].Cost}.");
            }
        }

        return null;
    }

    /// <summary>The problem with a check's request id (null or empty: none), or null when it is valid.</summary>
    /// <param name="field">What the caller named it: <c>request_id</c> (gRPC), <c>Idempotency-Key</c> (an HTTP header).</param>
    public ValidationError? ValidateRequestId(string? requestId, string field) =>
        requestId is { Length: > 0 } && requestId.Length > _options.MaxRequestIdBytes / 3 && Encoding.UTF8.GetByteCount(requestId) is var bytes
            && bytes > _options.MaxRequestIdBytes
            ? new(field, $"is {bytes} bytes long; at most {_options.MaxRequestIdBytes} bytes (UTF-8) are allowed.")
            : null;

    /// <summary>The first problem with a (policy, key) pair, or null.</summary>
    public ValidationError? Validate(string? policy, string? key, string field = "")
    {
        var prefix = field.Length == 0 ? "" : field + ".";
        if (string.IsNullOrEmpty(policy))
        {
            return new(prefix + "policy", "is required.");
        }

        if (!policies.TryGet(policy, out _))
        {
            return new(prefix + "policy", $"'{Truncate(policy)}' is not a configured policy.");
        }

        if (string.IsNullOrEmpty(key))
        {
            return new(prefix + "key", "is required and must not be empty.");
        }

        // A key short enough that even 3 bytes per UTF-16 unit fit needs no counting.
        if (key.Length > _options.MaxKeyBytes / 3 && Encoding.UTF8.GetByteCount(key) is var keyBytes && keyBytes > _options.MaxKeyBytes)
        {
            return new(prefix + "key", $"is {keyBytes} bytes long; at most {_options.MaxKeyBytes} bytes (UTF-8) are allowed.");
        }

        return null;
    }

    private static string Truncate(string value) => value.Length <= 64 ? value : value[..64] + "…";
}
