using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Reflection;
using GrainLimiter.Adaptive;
using GrainLimiter.Grains;
using GrainLimiter.Policies;
using GrainLimiter.Silo.Observability;
using GrainLimiter.Silo.Checks;
using GrainLimiter.Silo.Cluster;
using GrainLimiter.Silo.Observability.TopKeys;
using GrainLimiter.Silo.Policies;
using GrainLimiter.Silo.Tests.Grains;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace GrainLimiter.Silo.Tests.Checks;

/// <summary><see cref="CheckPipeline.ReportAsync"/>: each key's outcomes summed into one grain call, keys of static policies never
/// called, a grain that cannot be reached failing the report without stopping the others.</summary>
[Collection(LimitGrainClusterCollection.Name)]
public sealed class CheckPipelineReportTests(LimitGrainCluster fixture)
{
    private static readonly PolicyDefinition Adaptive = new()
    {
        Name = "learns",
        Limits = [new LimitSpec { Algorithm = LimitAlgorithmKind.FixedWindow, Limit = 10, Window = TimeSpan.FromHours(1),
            Adaptive = new AdaptiveSpec { Min = 1, Max = 100 } }],
    };

    private static readonly PolicyDefinition Static = new()
    {
        Name = "fixed",
        Limits = [new LimitSpec { Algorithm = LimitAlgorithmKind.FixedWindow, Limit = 10, Window = TimeSpan.FromHours(1) }],
    };

    [Fact]
    public async Task EachKeysOutcomesReachItsGrainSummedInOneCall()
    {
        var (limits, grains, _) = Service();

        var result = await limits.ReportAsync(
        [
            new("learns", "a", Failed: false, TimeSpan.FromMilliseconds(10)),
            new("learns", "b", Failed: true),
            new("learns", "a", Failed: false, TimeSpan.FromMilliseconds(30), Status: 503),
            new("learns", "a", Failed: false),
        ], CancellationToken.None);

        Assert.Equal(new ReportResult(4), result);
        Assert.Equal(new OutcomeTally(Successes: 2, Failures: 1, Timed: 2, LatencyTicks: TimeSpan.FromMilliseconds(40).Ticks),
            Assert.Single(grains.Reports["learns/a"]));
        Assert.Equal(new OutcomeTally(Successes: 0, Failures: 1, Timed: 0, LatencyTicks: 0), Assert.Single(grains.Reports["learns/b"]));
    }

    [Fact]
    public async Task KeysOfAPolicyThatDoesNotAdaptAreNeverCalled()
    {
        var (limits, grains, _) = Service();

        var result = await limits.ReportAsync([new("fixed", "a", false), new("fixed", "b", true), new("learns", "c", false)], CancellationToken.None);

        Assert.Equal(new ReportResult(1), result);
        Assert.Equal(["learns/c"], grains.Asked);
    }

    [Fact]
    public async Task AnUnreachableGrainFailsTheReportAndTheOthersStillCount()
    {
        var (limits, grains, reported) = Service(down: "learns/down");

        var result = await limits.ReportAsync([new("learns", "down", false), new("learns", "up", false), new("learns", "up", true)], CancellationToken.None);

        Assert.Equal(new ReportResult(Accepted: 2, Unreachable: true), result);
        Assert.Single(grains.Reports["learns/up"]);
        Assert.Equal([(1L, "success"), (1L, "failure")], reported.GetMeasurementSnapshot().Select(static m => (m.Value, (string)m.Tags["result"]!)));
    }

    [Fact]
    public async Task OutcomesAGrainDidNotCountAreNotAccepted()
    {
        var (limits, _, reported) = Service(ignoring: "learns/stale");

        var result = await limits.ReportAsync([new("learns", "stale", false), new("learns", "fresh", false)], CancellationToken.None);

        Assert.Equal(new ReportResult(1), result);
        Assert.Equal(1, reported.GetMeasurementSnapshot().Sum(static m => m.Value));
    }

    [Fact]
    public async Task TheClustersLimitGrainsCountTheOutcomesOfAnAdaptivePolicy()
    {
        fixture.Registry.GetOrAdd(Adaptive);
        var key = LimitGrainCluster.UniqueKey("report");

        var result = await fixture.CheckPipeline(silo: 1).ReportAsync([new("learns", key, false), new("learns", key, true, TimeSpan.FromMilliseconds(5))],
            CancellationToken.None);
        var check = await fixture.CheckPipeline(silo: 2).CheckAsync([new("learns", key), new("ten", key)], CancellationToken.None);

        Assert.Equal(new ReportResult(2), result);
        Assert.True(check.Results[0].ReportOutcome);
        Assert.False(check.Results[1].ReportOutcome);
    }

    private (CheckPipeline Limits, RecordingGrains Grains, MetricCollector<long> Reported) Service(string? down = null, string? ignoring = null)
    {
        var grains = new RecordingGrains(down, ignoring);
        var factory = DispatchProxy.Create<IGrainFactory, FakeGrainFactory>();
        ((FakeGrainFactory)(object)factory).Grains = grains;
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        var reported = new MetricCollector<long>(meters, MetricNames.Meter, MetricNames.ReportedOutcomes);
        // Judged by the cluster's membership, as a real failure would be: a timeout is not sent again.
        var membership = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<IClusterMembershipService>();
        var refused = new RefusedCalls(new SiloDepartures(membership, TimeProvider.System, NullLogger<SiloDepartures>.Instance));
        var limits = new CheckPipeline(new GrainReferenceCache(factory, 100), new PolicyRegistry([Adaptive, Static]),
            new SiloMetrics(meters, fixture.Counters(0)), new HeavyHitters(TimeProvider.System), fixture.Leases(0), refused,
            new StallFence(TimeProvider.System, NullLogger<StallFence>.Instance), NullLogger<CheckPipeline>.Instance);
        return (limits, grains, reported);
    }

    /// <summary>Every Report call by grain key ("policy/key"); a grain key named <c>down</c> fails as an unreachable silo does,
    /// one named <c>ignoring</c> answers that it did not count.</summary>
    public sealed class RecordingGrains(string? down, string? ignoring)
    {
        public ConcurrentDictionary<string, ConcurrentQueue<OutcomeTally>> Reports { get; } = new();

        public ConcurrentQueue<string> Asked { get; } = new();

        public ValueTask<bool> Report(string key, OutcomeTally tally)
        {
            if (key == down)
            {
                return ValueTask.FromException<bool>(new TimeoutException("Response did not arrive on time."));
            }

            Reports.GetOrAdd(key, static _ => new()).Enqueue(tally);
            return ValueTask.FromResult(key != ignoring);
        }
    }

    public class FakeGrainFactory : DispatchProxy
    {
        public RecordingGrains Grains { get; set; } = null!;

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod is not { Name: nameof(IGrainFactory.GetGrain) } || args?[0] is not string encoded)
            {
                throw new NotSupportedException(targetMethod?.Name);
            }

            var (policy, key) = LimitGrainKey.Decode(encoded);
            Grains.Asked.Enqueue($"{policy}/{key}");
            var grain = Create<ILimitGrain, FakeLimitGrain>();
            ((FakeLimitGrain)(object)grain).Answer = tally => Grains.Report($"{policy}/{key}", tally);
            return grain;
        }
    }

    public class FakeLimitGrain : DispatchProxy
    {
        public Func<OutcomeTally, ValueTask<bool>> Answer { get; set; } = null!;

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) =>
            targetMethod?.Name == nameof(ILimitGrain.ReportAsync) ? Answer((OutcomeTally)args![0]!) : throw new NotSupportedException(targetMethod?.Name);
    }
}
