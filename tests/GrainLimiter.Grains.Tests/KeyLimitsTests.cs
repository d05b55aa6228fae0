using GrainLimiter.Grains.Persistence;
using GrainLimiter.Policies;

namespace GrainLimiter.Grains.Tests;

public sealed class KeyLimitsTests
{
    private readonly FakeTimeProvider _time = new();

    private long Now => _time.GetUtcNow().UtcTicks;

    private static KeyLimits Grain(params LimitSpec[] limits) =>
        new("k", new CompiledPolicy(new PolicyDefinition { Name = "p", Limits = limits }));

    private static LimitSpec Fixed(long limit, TimeSpan window, string? name = null, double? alertAt = null) =>
        new() { Algorithm = LimitAlgorithmKind.FixedWindow, Limit = limit, Window = window, Name = name, AlertAt = alertAt };

    [Fact]
    public void RequestPassesOnlyIfEveryLimitAdmitsIt()
    {
        var grain = Grain(Fixed(3, TimeSpan.FromMinutes(1)), Fixed(5, TimeSpan.FromHours(1)));

        var admitted = Enumerable.Range(0, 10).Count(_ => grain.TryAcquire(Now, 1).Allowed);

        Assert.Equal(3, admitted);
    }

    [Fact]
    public void DeniedRequestIsChargedToNoLimit()
    {
        var grain = Grain(Fixed(3, TimeSpan.FromMinutes(1)), Fixed(5, TimeSpan.FromHours(1)));
        grain.TryAcquire(Now, 3);
        grain.TryAcquire(Now, 1);
        grain.TryAcquire(Now, 1);

        _time.Advance(TimeSpan.FromMinutes(1));
        var afterMinute = grain.TryAcquire(Now, 2);

        // The hourly limit holds 3 + 2: the two denied requests were not charged to it.
        Assert.True(afterMinute.Allowed);
        Assert.Equal(0, afterMinute.Remaining);
        Assert.Equal(1, afterMinute.LimitIndex);
    }

    [Fact]
    public void DenialReportsTheLimitThatLastsLongest()
    {
        var grain = Grain(Fixed(1, TimeSpan.FromMinutes(1)), Fixed(1, TimeSpan.FromHours(1)));
        grain.TryAcquire(Now, 1);

        var denied = grain.TryAcquire(Now, 1);

        Assert.False(denied.Allowed);
        Assert.Equal(1, denied.LimitIndex);
    }

    [Fact]
    public void AlertOnAnyLimitIsReported()
    {
        var grain = Grain(Fixed(2, TimeSpan.FromMinutes(1)), Fixed(16, TimeSpan.FromHours(1), alertAt: 0.9375));
        for (var i = 0; i < 7; i++)
        {
            grain.TryAcquire(Now, 2);
            _time.Advance(TimeSpan.FromMinutes(1));
        }

        var beforeThreshold = grain.Evaluate(Now, 0);
        var atThreshold = grain.TryAcquire(Now, 1);

        Assert.False(beforeThreshold.AlertReached);
        Assert.True(atThreshold.AlertReached);
        Assert.Equal(0, atThreshold.LimitIndex);
    }

    [Fact]
    public void RefundGivesBackToEveryLimit()
    {
        var grain = Grain(Fixed(3, TimeSpan.FromMinutes(1)), Fixed(5, TimeSpan.FromHours(1)));
        grain.TryAcquire(Now, 3);

        grain.Refund(Now, 3, 0);

        Assert.Equal(3, grain.Evaluate(Now, 0).Remaining);
    }

    [Fact]
    public void StateSurvivesTheCodec()
    {
        var grain = Grain(Fixed(10, TimeSpan.FromMinutes(1)), Fixed(100, TimeSpan.FromHours(1)));
        grain.TryAcquire(Now, 4);
        var copy = Grain(Fixed(10, TimeSpan.FromMinutes(1)), Fixed(100, TimeSpan.FromHours(1)));

        GrainStateCodec.Read(copy, GrainStateCodec.Write(grain));

        Assert.Equal(grain.Evaluate(Now, 0), copy.Evaluate(Now, 0));
        Assert.Equal(6, copy.TryAcquire(Now, 0).Remaining);
    }

    [Fact]
    public void LimitWhoseAlgorithmChangedRestoresFresh()
    {
        var grain = Grain(Fixed(10, TimeSpan.FromMinutes(1)));
        grain.TryAcquire(Now, 4);
        var changed = Grain(new LimitSpec { Algorithm = LimitAlgorithmKind.SlidingWindow, Limit = 10, Window = TimeSpan.FromMinutes(1) });

        GrainStateCodec.Read(changed, GrainStateCodec.Write(grain));

        Assert.Equal(default, changed.State(0));
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 9, 1 })]
    [InlineData(new byte[] { 1, 1, 0, 0x80 })]
    [InlineData(new byte[] { 1, 1, 0, 2, 2, 0, 100 })]
    [InlineData(new byte[] { 1, 1, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF })]
    public void CorruptStateIsRejectedCleanly(byte[] data)
    {
        Assert.Throws<InvalidDataException>(() => GrainStateCodec.Read(Grain(Fixed(10, TimeSpan.FromMinutes(1))), data));
    }

    [Fact]
    public void FreshAfterIsTheLongestOfTheLimits()
    {
        var grain = Grain(Fixed(10, TimeSpan.FromMinutes(1)), Fixed(100, TimeSpan.FromHours(1)));
        _time.SetUtcNow(new DateTimeOffset(2026, 1, 1, 10, 30, 0, TimeSpan.Zero));
        grain.TryAcquire(Now, 1);

        Assert.Equal(TimeSpan.FromMinutes(30), grain.FreshAfter(Now));
    }
}
