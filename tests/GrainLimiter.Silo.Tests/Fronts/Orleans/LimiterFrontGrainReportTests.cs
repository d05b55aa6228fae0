using GrainLimiter.Adaptive;
using GrainLimiter.Decisions;
using GrainLimiter.Grains;
using GrainLimiter.Silo.Tests.Fixtures;
using Grpc.Core;

namespace GrainLimiter.Silo.Tests.Fronts.Orleans;

/// <summary><see cref="ILimiterFrontGrain.ReportAsync"/>: the gRPC front's Report for Orleans clients, errors returned as statuses.</summary>
[Collection(AdaptiveSiloCollection.Name)]
public sealed class LimiterFrontGrainReportTests(AdaptiveSiloFixture fixture)
{
    private readonly ILimiterFrontGrain _front = fixture.Silo.Get<IGrainFactory>().GetGrain<ILimiterFrontGrain>(0);

    [Fact]
    public async Task ReportAnswersTheOutcomesAnAdaptiveLimitCounted()
    {
        var key = AdaptiveSiloFixture.UniqueKey();

        var answer = await _front.ReportAsync(
        [
            new(AdaptiveSiloFixture.Adaptive, key, Failed: false, TimeSpan.FromMilliseconds(20), 200),
            new(AdaptiveSiloFixture.Adaptive, key, Failed: false, Status: 429),
            new(AdaptiveSiloFixture.Static, key, Failed: true),
        ]);

        Assert.Equal(new ReportAnswer((int)StatusCode.OK, 2), answer);
    }

    [Fact]
    public async Task ABadOutcomeIsAnsweredAsInvalidArgumentNamingItsField()
    {
        var key = AdaptiveSiloFixture.UniqueKey();

        var answer = await _front.ReportAsync([new(AdaptiveSiloFixture.Adaptive, key, false), new(AdaptiveSiloFixture.Adaptive, key, false, Status: 700)]);
        var empty = await _front.ReportAsync([]);

        Assert.Equal((int)StatusCode.InvalidArgument, answer.Status);
        Assert.Equal(0, answer.Accepted);
        Assert.StartsWith("outcomes[1].status is 700", answer.Detail, StringComparison.Ordinal);
        Assert.Equal((int)StatusCode.InvalidArgument, empty.Status);
    }

    [Fact]
    public async Task DecisionsOfAnAdaptivePolicyAskForTheOutcome()
    {
        var key = AdaptiveSiloFixture.UniqueKey();

        var batch = await _front.CheckBatchAsync([[new CheckRequest(AdaptiveSiloFixture.Adaptive, key)], [new CheckRequest(AdaptiveSiloFixture.Static, key)]]);
        var reserved = await _front.ReserveAsync(AdaptiveSiloFixture.Adaptive, key, 1);

        Assert.True(batch[0].Results[0].ReportOutcome);
        Assert.False(batch[1].Results[0].ReportOutcome);
        Assert.True(reserved.Results[0].ReportOutcome);
    }
}
