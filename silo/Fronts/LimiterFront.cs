using GrainLimiter.Adaptive;
using GrainLimiter.Decisions;
using GrainLimiter.Leases;
using GrainLimiter.Policies;
using GrainLimiter.Silo.Checks;
using GrainLimiter.Silo.Checks.Overload;
using GrainLimiter.Silo.Policies;
using Grpc.Core;

namespace GrainLimiter.Silo.Fronts;

/// <summary>The <c>grainlimiter.v1.Limiter</c> API in typed form: what its gRPC front (Check, CheckBatch, CheckStream and the rest)
/// and its Orleans front both run, so validation, all-or-nothing checks, refunds and windows are one code.</summary>
/// <remarks>Bad input throws <see cref="RpcException"/>: INVALID_ARGUMENT naming the field, FAILED_PRECONDITION for Acquire on a
/// policy without a concurrency limit, UNAVAILABLE for a report some key's grain could not take, RESOURCE_EXHAUSTED for a check shed
/// as overloaded (<see cref="CheckAdmission"/>). The gRPC front answers that status; the Orleans front returns it.</remarks>
internal sealed class LimiterFront(ICheckPipeline limits, CheckAdmission admission, CheckValidator validator, OutcomeValidator outcomes,
    PolicyRegistry policies, TimeProvider time)
{
    /// <summary>The longest pause an upstream 429 may impose on a key.</summary>
    public static readonly TimeSpan MaxPause = TimeSpan.FromDays(1);

    public int MaxChecks => validator.MaxChecks;

    public int MaxChecksPerBatch => validator.MaxChecksPerBatch;

    public OutcomeValidator Outcomes => outcomes;

    /// <summary>One check, all or nothing, decided by the caller's <paramref name="deadline"/> (UTC; <see cref="DateTime.MaxValue"/>: none)
    /// or shed; <paramref name="front"/> names the caller in <c>grainlimiter_shed_total</c>. A check carrying the caller's request id
    /// (empty: none) is not charged again when the id is repeated.</summary>
    public ValueTask<CheckOutcome> CheckAsync(string front, CheckRequest[] checks, string requestId, DateTime deadline, CancellationToken cancellationToken)
    {
        if ((validator.Validate(checks) ?? validator.ValidateRequestId(requestId, "request_id")) is { } error)
        {
            throw Invalid(error);
        }

        return AdmitAsync(front, checks, requestId.Length == 0 ? null : requestId, deadline, cancellationToken);
    }

    /// <summary>One single-key check of a lease holder (an in-process client).</summary>
    public ValueTask<LeasedCheck> CheckLeasedAsync(CheckRequest check, LeaseAsk ask, CancellationToken cancellationToken) =>
        validator.Validate([check]) is { } error ? throw Invalid(error) : limits.CheckLeasedAsync(check, ask, cancellationToken);

    /// <summary>How admitted requests fared, all or nothing at validation; answers how many outcomes an adaptive limit counted.</summary>
    public async ValueTask<int> ReportAsync(IReadOnlyList<RequestOutcome> reported, CancellationToken cancellationToken)
    {
        if (outcomes.Validate(reported) is { } error)
        {
            throw Invalid(error);
        }

        var result = await limits.ReportAsync(reported, cancellationToken).ConfigureAwait(false);
        return result.Unreachable
            ? throw new RpcException(new Status(StatusCode.Unavailable, Unreachable(result)))
            : result.Accepted;
    }

    /// <summary>What a report some key's grain could not take answers (UNAVAILABLE, HTTP 503).</summary>
    public static string Unreachable(in ReportResult result) =>
        $"some key's grain could not be reached; its outcomes were lost ({result.Accepted} counted). Outcomes are advisory: do not send them again.";

    public async ValueTask<CheckResult> ReserveAsync(string front, string policy, string key, long cost, DateTime deadline, CancellationToken cancellationToken)
    {
        var check = new CheckRequest(policy, key, cost);
        if (validator.Validate([check]) is { } error)
        {
            throw Invalid(error with { Field = error.Field.Replace("checks[0].", "", StringComparison.Ordinal) });
        }

        return (await AdmitAsync(front, [check], null, deadline, cancellationToken).ConfigureAwait(false)).Results[0];
    }

    public async ValueTask<CheckResult> AcquireAsync(string front, string policy, string key, DateTime deadline, CancellationToken cancellationToken)
    {
        ValidateKey(policy, key);
        if (!policies.TryGet(policy, out var compiled) || !compiled.Definition.Limits.Any(static l => l.Algorithm == LimitAlgorithmKind.Concurrency))
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                $"policy '{policy}' has no concurrency limit; Acquire takes leases of concurrency policies."));
        }

        return (await AdmitAsync(front, [new CheckRequest(policy, key, 1)], null, deadline, cancellationToken).ConfigureAwait(false)).Results[0];
    }

    public ValueTask<CheckResult> ReleaseAsync(string policy, string key, long leaseId, CancellationToken cancellationToken)
    {
        ValidateKey(policy, key);
        return leaseId > 0
            ? limits.ReleaseAsync(policy, key, leaseId, cancellationToken)
            : throw Invalid(new ValidationError("lease_id", "is required: the lease_id Acquire returned."));
    }

    public ValueTask<CheckResult> GetAsync(string policy, string key, CancellationToken cancellationToken)
    {
        ValidateKey(policy, key);
        return limits.GetAsync(policy, key, cancellationToken);
    }

    public ValueTask<CheckResult> PauseAsync(string policy, string key, TimeSpan pauseFor, CancellationToken cancellationToken)
    {
        ValidateKey(policy, key);
        return pauseFor >= TimeSpan.FromMilliseconds(1) && pauseFor <= MaxPause
            ? limits.PauseAsync(policy, key, time.GetUtcNow() + pauseFor, cancellationToken)
            : throw Invalid(new ValidationError("pause_for", $"is {pauseFor}; it must be between 1 ms and {MaxPause.TotalHours:0} hours."));
    }

    /// <summary>The window of the limit that decided <paramref name="result"/>, for the client's RateLimit-Policy header; zero when it has none.</summary>
    public TimeSpan WindowOf(in CheckResult result) =>
        policies.TryGet(result.Request.Policy, out var policy) ? LimitWindow.Of(policy.Definition.Limits[result.Decision.LimitIndex]) : TimeSpan.Zero;

    private async ValueTask<CheckOutcome> AdmitAsync(string front, CheckRequest[] checks, string? requestId, DateTime deadline,
        CancellationToken cancellationToken)
    {
        try
        {
            return await admission.CheckAsync(front, checks, requestId, deadline, cancellationToken).ConfigureAwait(false);
        }
        catch (SiloOverloadedException e)
        {
            throw e.ToRpcException();
        }
    }

    public static RpcException Invalid(ValidationError error) => new(new Status(StatusCode.InvalidArgument, error.ToString()));

    private void ValidateKey(string policy, string key)
    {
        if (validator.Validate(policy, key) is { } error)
        {
            throw Invalid(error);
        }
    }
}
