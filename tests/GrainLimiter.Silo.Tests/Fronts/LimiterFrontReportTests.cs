using System.Diagnostics.Metrics;
using System.Reflection;
using GrainLimiter.Grains;
using GrainLimiter.Silo.Config;
using GrainLimiter.Silo.Fronts;
using GrainLimiter.Silo.Observability;
using GrainLimiter.Silo.Checks;
using GrainLimiter.Silo.Checks.Overload;
using GrainLimiter.Silo.Policies;
using GrainLimiter.Silo.Tests.Fixtures;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Tests.Fronts;

/// <summary><see cref="LimiterFront.ReportAsync"/> over a limit service that answers as told: what each front is given to answer.</summary>
public sealed class LimiterFrontReportTests
{
    [Fact]
    public async Task AReportSomeKeyCouldNotTakeIsUnavailable()
    {
        var (front, _) = Front(new ReportResult(Accepted: 2, Unreachable: true));

        var refused = await Assert.ThrowsAsync<RpcException>(async () => await front.ReportAsync([new(AdaptiveSiloFixture.Adaptive, "k", false)],
            CancellationToken.None));

        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        Assert.Contains("(2 counted)", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("do not send them again", refused.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AReportEveryKeyTookAnswersTheCountAccepted()
    {
        var (front, _) = Front(new ReportResult(Accepted: 3));

        Assert.Equal(3, await front.ReportAsync([new(AdaptiveSiloFixture.Adaptive, "k", false)], CancellationToken.None));
    }

    [Fact]
    public async Task AnInvalidReportNeverReachesTheLimitService()
    {
        var (front, limits) = Front(new ReportResult(1));

        var refused = await Assert.ThrowsAsync<RpcException>(async () => await front.ReportAsync([new(AdaptiveSiloFixture.Adaptive, "", false)],
            CancellationToken.None));

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Equal(0, limits.Calls);
    }

    private static (LimiterFront Front, AnsweringLimits Limits) Front(ReportResult answer)
    {
        var policies = new PolicyRegistry([AdaptiveSiloFixture.AdaptivePolicy]);
        var options = Options.Create(new SiloOptions());
        var validator = new CheckValidator(policies, options);
        var limits = DispatchProxy.Create<ICheckPipeline, AnsweringLimits>();
        var answering = (AnsweringLimits)(object)limits;
        answering.Answer = answer;
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        var admission = new CheckAdmission(limits, policies, new SiloMetrics(meters, new LimitGrainCounters()), options, TimeProvider.System);
        return (new LimiterFront(limits, admission, validator, new OutcomeValidator(validator, options), policies, TimeProvider.System), answering);
    }

    // Answers every ReportAsync with the result it was given; any other call is a test bug.
    public class AnsweringLimits : DispatchProxy
    {
        public int Calls { get; private set; }

        public ReportResult Answer { get; set; }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            Calls++;
            return targetMethod?.Name == nameof(ICheckPipeline.ReportAsync)
                ? ValueTask.FromResult(Answer)
                : throw new NotSupportedException(targetMethod?.Name);
        }
    }
}
