using System.Globalization;
using GrainLimiter.Adaptive;
using GrainLimiter.Silo.Config;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Checks;

/// <summary>The bounds of a report of outcomes (HTTP <c>POST /v1/report</c>, gRPC <c>Report</c>, the Orleans front), with errors
/// that name the field as <see cref="CheckValidator"/>'s do.</summary>
public sealed class OutcomeValidator(CheckValidator checks, IOptions<SiloOptions> options)
{
    /// <summary>The longest latency an outcome may carry: a longer one is a caller's bug (a timestamp sent as a duration), and
    /// one such value would drag a key's smoothed latency for a whole window.</summary>
    public static readonly TimeSpan MaxLatency = TimeSpan.FromHours(1);

    public int MaxOutcomes => options.Value.MaxOutcomesPerReport;

    /// <summary>The first problem with <paramref name="outcomes"/>, or null when they are valid.</summary>
    public ValidationError? Validate(IReadOnlyList<RequestOutcome> outcomes, string field = "outcomes")
    {
        if (outcomes.Count == 0)
        {
            return new(field, "must contain at least one outcome.");
        }

        if (outcomes.Count > MaxOutcomes)
        {
            return TooMany(outcomes.Count, field);
        }

        for (var i = 0; i < outcomes.Count; i++)
        {
            var outcome = outcomes[i];
            // The field name is only formatted for an error: valid items (nearly all) allocate nothing.
            if (checks.Validate(outcome.Policy, outcome.Key) is not null)
            {
                return checks.Validate(outcome.Policy, outcome.Key, $"{field}[{i}]");
            }

            if (outcome.Latency is { } latency && (latency < TimeSpan.Zero || latency > MaxLatency))
            {
                return ValidateLatency(latency.TotalMilliseconds, $"{field}[{i}].latency");
            }

            if (outcome.Status is not (0 or >= 100 and <= 599))
            {
                return new($"{field}[{i}].status", $"is {outcome.Status}; it must be 0 (not known) or an HTTP status code, 100 to 599.");
            }
        }

        return null;
    }

    /// <summary>The problem with a latency of <paramref name="milliseconds"/>, or null; the HTTP front checks its <c>latencyMs</c>
    /// with it before converting (a double beyond <see cref="TimeSpan"/>'s range does not convert).</summary>
    public static ValidationError? ValidateLatency(double milliseconds, string field) =>
        milliseconds >= 0 && milliseconds <= MaxLatency.TotalMilliseconds
            ? null
            : new(field, string.Create(CultureInfo.InvariantCulture,
                $"is {milliseconds} ms; it must be between 0 and {MaxLatency.TotalMilliseconds} ms (1 hour)."));

    /// <summary>The error for a report of <paramref name="count"/> outcomes, more than <see cref="MaxOutcomes"/>; fronts bound a
    /// report with it before they convert its items.</summary>
    public ValidationError TooMany(int count, string field = "outcomes") =>
        new(field, $"has {count} outcomes; at most {MaxOutcomes} are allowed in one report.");
}
