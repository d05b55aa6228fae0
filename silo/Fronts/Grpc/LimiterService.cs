using GrainLimiter.Decisions;
using GrainLimiter.Protocol.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using CheckRequest = GrainLimiter.Protocol.V1.CheckRequest;
using DecisionCheck = GrainLimiter.Decisions.CheckRequest;

namespace GrainLimiter.Silo.Fronts.Grpc;

/// <summary><c>grainlimiter.v1.Limiter</c> served by Grpc.AspNetCore: the protobuf form of <see cref="LimiterFront"/>, with the semantics of
/// the HTTP front.</summary>
/// <remarks>Bound to the generated <see cref="Limiter"/> methods by <see cref="StrictServiceMethodProvider{TService}"/>; bad input is
/// INVALID_ARGUMENT naming the field.
/// The attribute names the generated service for server reflection (its descriptor). CheckBatch and CheckStream are in <c>LimiterService.Batches.cs</c>,
/// Report in <c>LimiterService.Reports.cs</c>.</remarks>
[BindServiceMethod(typeof(Limiter), nameof(Limiter.BindService))]
internal sealed partial class LimiterService(LimiterFront front, Microsoft.Extensions.Options.IOptions<GrpcFrontOptions> options)
{
    public static string ServiceName => Limiter.Descriptor.FullName;

    private const string Front = BadRequests.Front.Grpc;

    public Task<CheckResponse> Check(CheckRequest request, ServerCallContext context) => CheckAsync(request, context.Deadline, context.CancellationToken);

    public async Task<DecisionResponse> Reserve(ReserveRequest request, ServerCallContext context) =>
        Answer(await front.ReserveAsync(Front, request.Policy, request.Key, request.HasCost ? request.Cost : 1, context.Deadline,
            context.CancellationToken).ConfigureAwait(false));

    public async Task<DecisionResponse> Acquire(AcquireRequest request, ServerCallContext context) =>
        Answer(await front.AcquireAsync(Front, request.Policy, request.Key, context.Deadline, context.CancellationToken).ConfigureAwait(false));

    public async Task<DecisionResponse> Release(ReleaseRequest request, ServerCallContext context) =>
        Answer(await front.ReleaseAsync(request.Policy, request.Key, request.LeaseId, context.CancellationToken).ConfigureAwait(false));

    public async Task<DecisionResponse> Get(GetRequest request, ServerCallContext context) =>
        Answer(await front.GetAsync(request.Policy, request.Key, context.CancellationToken).ConfigureAwait(false));

    public async Task<DecisionResponse> Pause(PauseRequest request, ServerCallContext context) =>
        Answer(await front.PauseAsync(request.Policy, request.Key, request.PauseFor?.ToTimeSpan() ?? TimeSpan.Zero,
            context.CancellationToken).ConfigureAwait(false));

    private async Task<CheckResponse> CheckAsync(CheckRequest request, DateTime deadline, CancellationToken cancellationToken)
    {
        // Bounded before anything is allocated for the items.
        if (request.Checks.Count > front.MaxChecks)
        {
            throw LimiterFront.Invalid(new("checks", $"has {request.Checks.Count} checks; at most {front.MaxChecks} are allowed in one request."));
        }

        var checks = new DecisionCheck[request.Checks.Count];
        for (var i = 0; i < checks.Length; i++)
        {
            var hit = request.Checks[i];
            checks[i] = new DecisionCheck(hit.Policy, hit.Key, hit.HasCost ? hit.Cost : 1);
        }

        var outcome = await front.CheckAsync(Front, checks, request.RequestId, deadline, cancellationToken).ConfigureAwait(false);
        var response = new CheckResponse { Allowed = outcome.Allowed };
        foreach (var result in outcome.Results)
        {
            response.Decisions.Add(ToProto(result, front.WindowOf(result)));
        }

        return response;
    }

    private DecisionResponse Answer(in CheckResult result) => new() { Decision = ToProto(result, front.WindowOf(result)) };

    /// <summary>The protobuf form of a decision; the same fields as the HTTP front's JSON. A zero <paramref name="window"/> is left unset.</summary>
    public static Decision ToProto(in CheckResult result, TimeSpan window = default)
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
            Reason = DecisionReasons.Stated(result.Reason, decision) ?? "",
            Policy = result.Request.Policy,
            Key = result.Request.Key,
            ReportOutcome = result.ReportOutcome,
        };
        if (decision.IsNeverAdmissible)
        {
            proto.RetryNever = true;
        }
        else
        {
            proto.RetryAfter = Duration.FromTimeSpan(decision.RetryAfter);
        }

        if (window > TimeSpan.Zero)
        {
            proto.Window = Duration.FromTimeSpan(window);
        }

        return proto;
    }
}
