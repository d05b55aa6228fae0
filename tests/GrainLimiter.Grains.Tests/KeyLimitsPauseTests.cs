using GrainLimiter.Policies;

namespace GrainLimiter.Grains.Tests;

/// <summary>An upstream's 429 pauses a key: every request is denied, uncharged, until the pause ends.</summary>
public sealed class KeyLimitsPauseTests
{
    private readonly FakeTimeProvider _time = new();

    private long Now => _time.GetUtcNow().UtcTicks;

    private static KeyLimits Grain(LimitAlgorithmKind algorithm) => new("k", new CompiledPolicy(new PolicyDefinition
    {
        Name = "p",
        Limits = [new LimitSpec { Algorithm = algorithm, Limit = 10, Window = TimeSpan.FromMinutes(1), MaxWait = TimeSpan.FromMinutes(1) }],
    }));

    [Theory]
    [InlineData(LimitAlgorithmKind.TokenBucket)]
    [InlineData(LimitAlgorithmKind.LeakyBucket)]
    public void PausedKeyDeniesWithTheRestOfThePauseAndChargesNothing(LimitAlgorithmKind algorithm)
    {
        var grain = Grain(algorithm);
        grain.PauseUntil(Now + TimeSpan.FromSeconds(30).Ticks);

        _time.Advance(TimeSpan.FromSeconds(10));
        var during = grain.TryAcquire(Now, 1);
        _time.Advance(TimeSpan.FromSeconds(20));
        var after = grain.TryAcquire(Now, 1);
        var neverPaused = Grain(algorithm).TryAcquire(Now, 1);

        Assert.False(during.Allowed);
        Assert.Equal(TimeSpan.FromSeconds(20), during.RetryAfter);
        Assert.Equal(TimeSpan.Zero, during.Wait);
        Assert.True(after.Allowed);
        // The denied request was not charged: the grain answers as one that only ever saw the request after the pause.
        Assert.Equal(neverPaused, after);
    }

    [Fact]
    public void AShorterPauseNeverShortensOneInForce()
    {
        var grain = Grain(LimitAlgorithmKind.TokenBucket);
        grain.PauseUntil(Now + TimeSpan.FromMinutes(5).Ticks);
        grain.PauseUntil(Now + TimeSpan.FromSeconds(1).Ticks);

        Assert.Equal(TimeSpan.FromMinutes(5), grain.Evaluate(Now, 1).RetryAfter);
    }
}
