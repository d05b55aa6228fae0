using GrainLimiter.Decisions;
using GrainLimiter.Policies;
using GrainLimiter.Protocol.V1;
using GrainLimiter.Silo.Runtime;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using CheckRequest = GrainLimiter.Protocol.V1.CheckRequest;
using DecisionCheck = GrainLimiter.Decisions.CheckRequest;

namespace GrainLimiter.Silo.Fronts.Grpc;

/// <summary><c>grainlimiter.v1.Limiter</c> (Check, Reserve, Acquire, Release, Get, Pause) served by Grpc.AspNetCore, with the semantics of the HTTP front.</summary>
/// <remarks>Bound to the generated <see cref="Limiter"/> methods by <see cref="StrictServiceMethodProvider{TService}"/>; bad input is INVALID_ARGUMENT naming the field.
/// The attribute names the generated service for server reflection (its descriptor).</remarks>
[BindServiceMethod(typeof(Limiter), nameof(Limiter.BindService))]
internal sealed class LimiterService(ILimitService limits, CheckValidator validator, PolicyRegistry policies, TimeProvider time)
{
    public static string ServiceName => Limiter.Descriptor.FullName;

    /// <summary>The longest pause an upstream 429 may impose on a key.</summary>
    public static readonly TimeSpan MaxPause = TimeSpan.FromDays(1);

    public async Task<CheckResponse> Check(CheckRequest request, ServerCallContext context)
    {
        if (request.Checks.Count > validator.MaxChecks)
        {
            throw Invalid(new ValidationError("checks", $"has {request.Checks.Count} checks; at most {validator.MaxChecks} are allowed in one request."));
        }

        var checks = new DecisionCheck[request.Checks.Count];
        for (var i = 0; i < checks.Length; i++)
        {
            var hit = request.Checks[i];
            checks[i] = new DecisionCheck(hit.Policy, hit.Key, hit.HasCost ? hit.Cost : 1);
        }

        if (validator.Validate(checks) is { } error)
        {
            throw Invalid(error);
        }

        var outcome = await limits.CheckAsync(checks, context.CancellationToken).ConfigureAwait(false);
        var response = new CheckResponse { Allowed = outcome.Allowed };
        foreach (var result in outcome.Results)
        {
            response.Decisions.Add(WithWindow(ToProto(result), result));
        }

        return response;
    }

    public async Task<DecisionResponse> Reserve(ReserveRequest request, ServerCallContext context)
    {
        var check = new DecisionCheck(request.Policy, request.Key, request.HasCost ? request.Cost : 1);
        if (validator.Validate([check]) is { } error)
        {
            throw Invalid(error with { Field = error.Field.Replace("checks[0].", "", StringComparison.Ordinal) });
        }

        var outcome = await limits.CheckAsync([check], context.CancellationToken).ConfigureAwait(false);
        return new DecisionResponse { Decision = WithWindow(ToProto(outcome.Results[0]), outcome.Results[0]) };
    }

    public async Task<DecisionResponse> Acquire(AcquireRequest request, ServerCallContext context)
    {
        ValidateKey(request.Policy, request.Key);
        if (!HasConcurrencyLimit(request.Policy))
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"policy '{request.Policy}' has no concurrency limit; Acquire takes leases of concurrency policies."));
        }

        var outcome = await limits.CheckAsync([new DecisionCheck(request.Policy, request.Key, 1)], context.CancellationToken).ConfigureAwait(false);
        return new DecisionResponse { Decision = WithWindow(ToProto(outcome.Results[0]), outcome.Results[0]) };
    }

    public async Task<DecisionResponse> Release(ReleaseRequest request, ServerCallContext context)
    {
        ValidateKey(request.Policy, request.Key);
        if (request.LeaseId <= 0)
        {
            throw Invalid(new ValidationError("lease_id", "is required: the lease_id Acquire returned."));
        }

        var result = await limits.ReleaseAsync(request.Policy, request.Key, request.LeaseId, context.CancellationToken).ConfigureAwait(false);
        return new DecisionResponse { Decision = WithWindow(ToProto(result), result) };
    }

    public async Task<DecisionResponse> Get(GetRequest request, ServerCallContext context)
    {
        ValidateKey(request.Policy, request.Key);
        var result = await limits.GetAsync(request.Policy, request.Key, context.CancellationToken).ConfigureAwait(false);
        return new DecisionResponse { Decision = WithWindow(ToProto(result), result) };
    }

    public async Task<DecisionResponse> Pause(PauseRequest request, ServerCallContext context)
    {
        ValidateKey(request.Policy, request.Key);
        var pauseFor = request.PauseFor?.ToTimeSpan() ?? TimeSpan.Zero;
        if (pauseFor < TimeSpan.FromMilliseconds(1) || pauseFor > MaxPause)
        {
            throw Invalid(new ValidationError("pause_for", $"is {pauseFor}; it must be between 1 ms and {MaxPause.TotalHours:0} hours."));
        }

        var result = await limits.PauseAsync(request.Policy, request.Key, time.GetUtcNow() + pauseFor, context.CancellationToken).ConfigureAwait(false);
        return new DecisionResponse { Decision = WithWindow(ToProto(result), result) };
    }

    /// <summary>The protobuf form of a decision; the same fields as the HTTP front's JSON.</summary>
    public static Decision ToProto(in CheckResult result)
    {
        var decision = result.Decision;
        var proto = new Decision
        {
            Allowed = decision.Allowed,
            Limit = decision.Limit,
            Remaining = decision.Remaining,
            ResetAfter = Duration.FromTimeSpan(decision.ResetAfter),
            Wait = Duration.FromTimeSpan(decision.Wait),
            LeaseId = decision.LeaseId,
            Alert = decision.AlertReached,
            LimitName = result.LimitName ?? "",
            Reason = result.Reason ?? (decision.IsNeverAdmissible ? "cost_exceeds_capacity" : ""),
            Policy = result.Request.Policy,
            Key = result.Request.Key,
        };
        if (decision.IsNeverAdmissible)
        {
            proto.RetryNever = true;
        }
        else
        {
            proto.RetryAfter = Duration.FromTimeSpan(decision.RetryAfter);
        }

        return proto;
    }

    // The window of the deciding limit, for the client's RateLimit-Policy header.
    private Decision WithWindow(Decision proto, in CheckResult result)
    {
        if (policies.TryGet(result.Request.Policy, out var policy) && LimitWindow.Of(policy, result.Decision.LimitIndex) is var window && window > TimeSpan.Zero)
        {
            proto.Window = Duration.FromTimeSpan(window);
        }

        return proto;
    }

    private void ValidateKey(string policy, string key)
    {
        if (validator.Validate(policy, key) is { } error)
        {
            throw Invalid(error);
        }
    }

    private bool HasConcurrencyLimit(string policy) =>
        policies.TryGet(policy, out var compiled) && compiled.Definition.Limits.Any(static l => l.Algorithm == LimitAlgorithmKind.Concurrency);

    private static RpcException Invalid(ValidationError error) => new(new Status(StatusCode.InvalidArgument, error.ToString()));
}
