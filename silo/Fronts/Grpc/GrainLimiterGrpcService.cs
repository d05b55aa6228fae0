using GrainLimiter.Decisions;
using GrainLimiter.Grpc;
using GrainLimiter.Policies;
using GrainLimiter.Protocol.V1;
using GrainLimiter.Silo.Runtime;
using Google.Protobuf.WellKnownTypes;
using CheckRequest = GrainLimiter.Protocol.V1.CheckRequest;
using DecisionCheck = GrainLimiter.Decisions.CheckRequest;

namespace GrainLimiter.Silo.Fronts.Grpc;

/// <summary><c>grainlimiter.v1.Limiter</c>: Check, Reserve, Acquire, Release and Get over gRPC, with the semantics of the HTTP front.</summary>
internal sealed class GrainLimiterGrpcService(ILimitService limits, CheckValidator validator, PolicyRegistry policies, TimeProvider time) : IGrpcService
{
    public const string ServiceName = "grainlimiter.v1.Limiter";

    /// <summary>The longest pause an upstream 429 may impose on a key.</summary>
    public static readonly TimeSpan MaxPause = TimeSpan.FromDays(1);

    public IEnumerable<GrpcMethod> Methods() =>
    [
        GrpcMethodTable.Unary<CheckRequest, CheckResponse>(ServiceName, "Check", CheckRequest.Parser, CheckAsync),
        GrpcMethodTable.Unary<ReserveRequest, DecisionResponse>(ServiceName, "Reserve", ReserveRequest.Parser, ReserveAsync),
        GrpcMethodTable.Unary<AcquireRequest, DecisionResponse>(ServiceName, "Acquire", AcquireRequest.Parser, AcquireAsync),
        GrpcMethodTable.Unary<ReleaseRequest, DecisionResponse>(ServiceName, "Release", ReleaseRequest.Parser, ReleaseAsync),
        GrpcMethodTable.Unary<GetRequest, DecisionResponse>(ServiceName, "Get", GetRequest.Parser, GetAsync),
        GrpcMethodTable.Unary<PauseRequest, DecisionResponse>(ServiceName, "Pause", PauseRequest.Parser, PauseAsync),
    ];

    public async ValueTask<CheckResponse> CheckAsync(CheckRequest request, CancellationToken cancellationToken)
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

        var outcome = await limits.CheckAsync(checks, cancellationToken).ConfigureAwait(false);
        var response = new CheckResponse { Allowed = outcome.Allowed };
        foreach (var result in outcome.Results)
        {
            response.Decisions.Add(WithWindow(ToProto(result), result));
        }

        return response;
    }

    public async ValueTask<DecisionResponse> ReserveAsync(ReserveRequest request, CancellationToken cancellationToken)
    {
        var check = new DecisionCheck(request.Policy, request.Key, request.HasCost ? request.Cost : 1);
        if (validator.Validate([check]) is { } error)
        {
            throw Invalid(error with { Field = error.Field.Replace("checks[0].", "", StringComparison.Ordinal) });
        }

        var outcome = await limits.CheckAsync([check], cancellationToken).ConfigureAwait(false);
        return new DecisionResponse { Decision = WithWindow(ToProto(outcome.Results[0]), outcome.Results[0]) };
    }

    public async ValueTask<DecisionResponse> AcquireAsync(AcquireRequest request, CancellationToken cancellationToken)
    {
        ValidateKey(request.Policy, request.Key);
        if (!HasConcurrencyLimit(request.Policy))
        {
            throw new GrpcStatusException(GrpcStatusCode.FailedPrecondition, $"policy '{request.Policy}' has no concurrency limit; Acquire takes leases of concurrency policies.");
        }

        var outcome = await limits.CheckAsync([new DecisionCheck(request.Policy, request.Key, 1)], cancellationToken).ConfigureAwait(false);
        return new DecisionResponse { Decision = WithWindow(ToProto(outcome.Results[0]), outcome.Results[0]) };
    }

    public async ValueTask<DecisionResponse> ReleaseAsync(ReleaseRequest request, CancellationToken cancellationToken)
    {
        ValidateKey(request.Policy, request.Key);
        if (request.LeaseId <= 0)
        {
            throw Invalid(new ValidationError("lease_id", "is required: the lease_id Acquire returned."));
        }

        var result = await limits.ReleaseAsync(request.Policy, request.Key, request.LeaseId, cancellationToken).ConfigureAwait(false);
        return new DecisionResponse { Decision = WithWindow(ToProto(result), result) };
    }

    public async ValueTask<DecisionResponse> GetAsync(GetRequest request, CancellationToken cancellationToken)
    {
        ValidateKey(request.Policy, request.Key);
        var result = await limits.GetAsync(request.Policy, request.Key, cancellationToken).ConfigureAwait(false);
        return new DecisionResponse { Decision = WithWindow(ToProto(result), result) };
    }

    public async ValueTask<DecisionResponse> PauseAsync(PauseRequest request, CancellationToken cancellationToken)
    {
        ValidateKey(request.Policy, request.Key);
        var pauseFor = request.PauseFor?.ToTimeSpan() ?? TimeSpan.Zero;
        if (pauseFor < TimeSpan.FromMilliseconds(1) || pauseFor > MaxPause)
        {
            throw Invalid(new ValidationError("pause_for", $"is {pauseFor}; it must be between 1 ms and {MaxPause.TotalHours:0} hours."));
        }

        var result = await limits.PauseAsync(request.Policy, request.Key, time.GetUtcNow() + pauseFor, cancellationToken).ConfigureAwait(false);
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

    private static GrpcStatusException Invalid(ValidationError error) => new(GrpcStatusCode.InvalidArgument, error.ToString());
}
