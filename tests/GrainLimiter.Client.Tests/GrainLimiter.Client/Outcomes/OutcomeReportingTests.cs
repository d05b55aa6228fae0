using GrainLimiter.Adaptive;
using GrainLimiter.Client.Tests.Fixtures;
using GrainLimiter.Silo.Tests.Fixtures;
using Grpc.Core;

namespace GrainLimiter.Client.Tests.GrainLimiter.Client.Outcomes;

/// <summary><see cref="GrainLimiterClient.ReportAsync(RequestOutcome)"/> over a fake cluster: outcomes are queued and sent in batches,
/// on a fake clock (the interval passes only when a test moves it), bounded, and a failed report never reaches the caller.</summary>
public sealed class OutcomeReportingTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly FakeClusterTransport _cluster = new() { AdaptivePolicies = { "adaptive" } };
    private readonly FakeTimeProvider _clock = new();

    [Fact]
    public async Task OutcomesTravelInBatchesOfAtMostAThousandAndFullOnesLeaveAtOnce()
    {
        await using var client = _cluster.NewClient(_clock);

        await ReportAsync(client, 2500);
        // Two full batches leave without the clock moving; the last 500 wait for the interval.
        await Eventually.TrueAsync(() => Task.FromResult(_cluster.Reports.Length == 2), Patience, "the two full batches are sent");
        _clock.Advance(Interval);
        await Eventually.TrueAsync(() => Task.FromResult(_cluster.Reports.Length == 3), Patience, "the rest is sent");

        Assert.Equal([1000, 1000, 500], _cluster.Reports.Select(static r => r.Length));
        Assert.Equal(Enumerable.Range(0, 2500).Select(Key), _cluster.Outcomes.Select(static o => o.Key));
        Assert.Equal(2500, client.OutcomesReported);
        Assert.Equal(0, client.OutcomesDropped);
    }

    [Fact]
    public async Task APartialBatchLeavesOnceItsOldestOutcomeWaitedTheInterval()
    {
        await using var client = _cluster.NewClient(_clock);

        await ReportAsync(client, 3);
        _clock.Advance(Interval - TimeSpan.FromTicks(1));
        var beforeTheInterval = _cluster.Reports.Length;
        _clock.Advance(TimeSpan.FromTicks(1));
        await Eventually.TrueAsync(() => Task.FromResult(_cluster.Reports.Length == 1), Patience, "the batch is sent");

        Assert.Equal(0, beforeTheInterval);
        Assert.Equal(3, _cluster.Reports[0].Length);
    }

    [Fact]
    public async Task DisposingSendsWhatIsQueuedAndLaterOutcomesAreDroppedAndCounted()
    {
        var client = _cluster.NewClient(_clock);
        await client.ReportAsync("adaptive", "k", failed: true, TimeSpan.FromMilliseconds(12), status: 503);
        await client.ReportAsync(new RequestOutcome("adaptive", "k", Failed: false));

        await client.DisposeAsync();
        await client.ReportAsync("adaptive", "late", failed: false);

        var sent = Assert.Single(_cluster.Reports);
        Assert.Equal([new RequestOutcome("adaptive", "k", true, TimeSpan.FromMilliseconds(12), 503), new RequestOutcome("adaptive", "k", false)], sent);
        Assert.Equal(1, client.OutcomesDropped);
    }

    [Fact]
    public async Task AFullQueueDropsTheOldestOutcomesAndCountsThem()
    {
        await using var client = _cluster.NewClient(_clock, static o =>
        {
            o.MaxOutcomesPerReport = 10;
            o.MaxQueuedOutcomes = 20;
            // The held batch must not time out meanwhile on a loaded machine.
            o.ReportDeadline = TimeSpan.FromMinutes(1);
        });
        _cluster.HoldReports();

        // The first full batch leaves and waits at the cluster; 25 more meet a queue of 20.
        await ReportAsync(client, 10);
        await _cluster.ReportStarted.WaitAsync(Patience);
        await ReportAsync(client, 25, from: 10);
        var dropped = client.OutcomesDropped;
        _cluster.ReleaseReports();
        await client.DisposeAsync();

        Assert.Equal(5, dropped);
        Assert.Equal(Enumerable.Range(0, 10).Concat(Enumerable.Range(15, 20)).Select(Key), _cluster.Outcomes.Select(static o => o.Key));
        Assert.Equal(30, client.OutcomesReported);
    }

    [Fact]
    public async Task AFailedReportIsCountedAndDroppedNeverThrownNorRetried()
    {
        await using var client = _cluster.NewClient(_clock);
        _cluster.FailReports = new RpcException(new Status(StatusCode.Unavailable, "silo gone"));

        await ReportAsync(client, 4);
        _clock.Advance(Interval);
        await Eventually.TrueAsync(() => Task.FromResult(client.OutcomesDropped == 4), Patience, "the failed batch is counted as dropped");
        _cluster.FailReports = null;
        await ReportAsync(client, 2, from: 4);
        _clock.Advance(Interval);
        await Eventually.TrueAsync(() => Task.FromResult(client.OutcomesReported == 2), Patience, "the next batch is sent");

        // Only the later two reached the cluster: the failed four were not sent again.
        Assert.Equal([Key(4), Key(5)], _cluster.Outcomes.Select(static o => o.Key));
        Assert.Equal(4, client.OutcomesDropped);
    }

    [Fact]
    public async Task AReportRefusedAsBadInputIsDroppedToo()
    {
        await using var client = _cluster.NewClient(_clock);
        _cluster.FailReports = new RpcException(new Status(StatusCode.InvalidArgument, "outcomes[0].policy 'gone' is not a configured policy."));

        await ReportAsync(client, 1);
        _clock.Advance(Interval);

        await Eventually.TrueAsync(() => Task.FromResult(client.OutcomesDropped == 1), Patience, "the refused batch is counted as dropped");
    }

    [Theory]
    [InlineData("", "k", 0, 0)]
    [InlineData("adaptive", "", 0, 0)]
    [InlineData("adaptive", "k", -1, 0)]
    [InlineData("adaptive", "k", 3_600_001, 0)]
    [InlineData("adaptive", "k", 5, 99)]
    [InlineData("adaptive", "k", 5, 600)]
    public async Task AnOutcomeTheSilosWouldRefuseThrowsAtOnceInsteadOfSpoilingItsBatch(string policy, string key, int latencyMs, int status)
    {
        await using var client = _cluster.NewClient(_clock);

        await Assert.ThrowsAnyAsync<ArgumentException>(async () => await client.ReportAsync(policy, key, false, TimeSpan.FromMilliseconds(latencyMs), status));
    }

    [Fact]
    public void InvalidReportSettingsNameTheSettingToFix()
    {
        var problems = new GrainLimiterClientOptions
        {
            Endpoints = [new Uri("http://127.0.0.1:1")],
            ReportInterval = TimeSpan.Zero,
            MaxOutcomesPerReport = 1001,
            MaxQueuedOutcomes = 10,
            ReportDeadline = TimeSpan.FromMilliseconds(1),
        }.Validate();

        Assert.Equal(4, problems.Count);
        Assert.Contains(problems, static p => p.StartsWith("GrainLimiter:Client:ReportInterval", StringComparison.Ordinal));
        Assert.Contains(problems, static p => p.StartsWith("GrainLimiter:Client:MaxOutcomesPerReport", StringComparison.Ordinal));
        Assert.Contains(problems, static p => p.StartsWith("GrainLimiter:Client:MaxQueuedOutcomes", StringComparison.Ordinal));
        Assert.Contains(problems, static p => p.StartsWith("GrainLimiter:Client:ReportDeadline", StringComparison.Ordinal));
    }

    private static string Key(int i) => $"key-{i}";

    private static async Task ReportAsync(GrainLimiterClient client, int count, int from = 0)
    {
        for (var i = from; i < from + count; i++)
        {
            await client.ReportAsync("adaptive", Key(i), failed: false, TimeSpan.FromMilliseconds(10));
        }
    }
}
