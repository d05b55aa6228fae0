using GrainLimiter.Silo.Cluster;
using GrainLimiter.Silo.Tests.Fixtures;
using GrainLimiter.Silo.Tests.Grains;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace GrainLimiter.Silo.Tests.Cluster;

/// <summary>After a gap in its heartbeat longer than the failure detection, a silo decides only once the membership table says it is alive.</summary>
[Collection(LimitGrainClusterCollection.Name)]
public sealed class StallFenceTests(LimitGrainCluster fixture)
{
    private static readonly TimeSpan StallLimit = TimeSpan.FromSeconds(2);
    private readonly FakeTimeProvider _time = new();

    private StallFence Fence() =>
        new(Silo<IClusterMembershipService>(), Silo<ILocalSiloDetails>(), StallLimit, TimeSpan.FromSeconds(30), _time, NullLogger<StallFence>.Instance);

    private T Silo<T>() where T : notnull => fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<T>();

    [Fact]
    public async Task AGapShorterThanTheDetectionTimeHoldsNothingBack()
    {
        var fence = Fence();
        for (var beat = 0; beat < 8; beat++)
        {
            _time.Advance(StallLimit / 4);
            fence.Beat();
            Assert.True(fence.Open);
        }

        _time.Advance(StallLimit);
        Assert.True(fence.Open);
        Assert.True(await fence.ConfirmAsync());
    }

    [Fact]
    public async Task AfterALongerGapDecisionsWaitForTheTableWhichListsTheSiloAlive()
    {
        var fence = Fence();
        _time.Advance(StallLimit + TimeSpan.FromMilliseconds(1));
        Assert.False(fence.Open);

        // Read for real from the cluster's membership: this silo is active, so it decides again.
        Assert.True(await fence.ConfirmAsync());
        Assert.True(fence.Open);
    }

    [Fact]
    public async Task TheHeartbeatItselfNoticesTheGapAndKeepsTheFenceUntilTheTableIsRead()
    {
        var fence = Fence();
        _time.Advance(StallLimit * 3);
        // A tick right after the stall must not make it look as if nothing happened.
        fence.Beat();
        fence.Beat();
        Assert.True(await fence.ConfirmAsync());
        await Eventually.TrueAsync(() => Task.FromResult(fence.Open), TimeSpan.FromSeconds(30), "the fence opens once the table was read");
    }

    [Fact]
    public async Task ASingleSilosFenceNeverHoldsBack()
    {
        var fence = new StallFence(_time, NullLogger<StallFence>.Instance);
        _time.Advance(TimeSpan.FromHours(1));
        Assert.True(fence.Open);
        Assert.True(await fence.ConfirmAsync());
    }
}
