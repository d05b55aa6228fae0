using GrainLimiter.Adaptive;
using GrainLimiter.Decisions;
using GrainLimiter.Grains;
using GrainLimiter.Leases;
using Grpc.Core;
using Orleans.Concurrency;

namespace GrainLimiter.Silo.Fronts.Orleans;

/// <summary>The Limiter API for Orleans clients (<see cref="ILimiterFrontGrain"/>): each call runs <see cref="LimiterFront"/>, the code of
/// the gRPC front, so validation, all-or-nothing checks, refunds, windows and metrics are the same.</summary>
/// <remarks>One stateless worker per silo, reentrant: it holds no state, so every call of every client runs at once, each awaiting its
/// keys' grains (a non-reentrant worker served as many calls at a time as the silo has cores).</remarks>
[StatelessWorker(1)]
[Reentrant]
internal sealed class LimiterFrontGrain(LimiterFront front) : Grain, ILimiterFrontGrain
{
    // An Orleans call carries no deadline: its checks get GrainLimiter:CheckTimeout (the client's ResponseTimeout bounds its wait).
    private const string Front = BadRequests.Front.Orleans;
    private static readonly CheckResult[] NoResults = [];
    private static readonly TimeSpan[] NoWindows = [];

    public async ValueTask<FrontDecisions[]> CheckBatchAsync(CheckRequest[][] checks)
    {
        ArgumentNullException.ThrowIfNull(checks);
        var answers = new FrontDecisions[checks.Length];
        if (checks.Length > front.MaxChecksPerBatch)
        {
            Array.Fill(answers, Error(StatusCode.InvalidArgument,
                $"checks has {checks.Length} checks; at most {front.MaxChecksPerBatch} are allowed in one batch."));
            return answers;
        }

        // Every check is started before any is awaited: their grains decide in parallel.
        var deciding = new ValueTask<FrontDecisions>[checks.Length];
        for (var i = 0; i < checks.Length; i++)
        {
            deciding[i] = CheckAsync(checks[i] ?? []);
        }

        for (var i = 0; i < checks.Length; i++)
        {
            answers[i] = await deciding[i].ConfigureAwait(true);
        }

        return answers;
    }

    public async ValueTask<LeasedFrontDecisions> CheckLeasedAsync(CheckRequest check, LeaseAsk ask)
    {
        try
        {
            var (outcome, lease, cacheDenialFor, leasable) = await front.CheckLeasedAsync(check, ask, CancellationToken.None).ConfigureAwait(true);
            return new LeasedFrontDecisions(Answer(outcome.Allowed, outcome.Results), lease, cacheDenialFor, leasable);
        }
        catch (RpcException e)
        {
            return new LeasedFrontDecisions(Error(e.StatusCode, e.Status.Detail));
        }
    }

    public async ValueTask<ReportAnswer> ReportAsync(RequestOutcome[] outcomes)
    {
        try
        {
            return new ReportAnswer((int)StatusCode.OK, await front.ReportAsync(outcomes ?? [], CancellationToken.None).ConfigureAwait(true));
        }
        catch (RpcException e)
        {
            return new ReportAnswer((int)e.StatusCode, 0, e.Status.Detail);
        }
    }

    public ValueTask<FrontDecisions> ReserveAsync(string policy, string key, long cost) =>
        One(() => front.ReserveAsync(Front, policy, key, cost, DateTime.MaxValue, CancellationToken.None));

    public ValueTask<FrontDecisions> AcquireAsync(string policy, string key) =>
        One(() => front.AcquireAsync(Front, policy, key, DateTime.MaxValue, CancellationToken.None));

    public ValueTask<FrontDecisions> ReleaseAsync(string policy, string key, long leaseId) =>
        One(() => front.ReleaseAsync(policy, key, leaseId, CancellationToken.None));

    public ValueTask<FrontDecisions> GetAsync(string policy, string key) => One(() => front.GetAsync(policy, key, CancellationToken.None));

    public ValueTask<FrontDecisions> PauseAsync(string policy, string key, TimeSpan pauseFor) =>
        One(() => front.PauseAsync(policy, key, pauseFor, CancellationToken.None));

    private async ValueTask<FrontDecisions> CheckAsync(CheckRequest[] checks)
    {
        try
        {
            var outcome = await front.CheckAsync(Front, checks, "", DateTime.MaxValue, CancellationToken.None).ConfigureAwait(true);
            return Answer(outcome.Allowed, outcome.Results);
        }
        catch (RpcException e)
        {
            return Error(e.StatusCode, e.Status.Detail);
        }
    }

    // The call is made inside the try: validation may throw before it returns.
    private async ValueTask<FrontDecisions> One(Func<ValueTask<CheckResult>> call)
    {
        try
        {
            var result = await call().ConfigureAwait(true);
            return Answer(result.Decision.Allowed, [result]);
        }
        catch (RpcException e)
        {
            return Error(e.StatusCode, e.Status.Detail);
        }
    }

    private FrontDecisions Answer(bool allowed, CheckResult[] results)
    {
        var windows = new TimeSpan[results.Length];
        for (var i = 0; i < results.Length; i++)
        {
            windows[i] = front.WindowOf(results[i]);
        }

        return new FrontDecisions((int)StatusCode.OK, allowed, results, windows);
    }

    private static FrontDecisions Error(StatusCode status, string detail) => new((int)status, false, NoResults, NoWindows, detail);
}
