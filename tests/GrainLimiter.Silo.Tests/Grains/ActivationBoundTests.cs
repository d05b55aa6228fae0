using System.Net;
using GrainLimiter.Grains;
using GrainLimiter.Silo.Tests.Fixtures;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace GrainLimiter.Silo.Tests.Grains;

/// <summary>GrainLimiter:MaxActiveGrains bounds a key flood: keys beyond it are decided, written and deactivated, and keep counting;
/// Orleans' directory cache holds no more addresses than that.</summary>
public sealed class ActivationBoundTests
{
    private const string Policies = """
        policies:
          - name: two
            limits:
              - { algorithm: token_bucket, limit: 2, window: 1h }
        """;

    [Fact]
    public async Task AFloodOfKeysStaysNearTheBoundAndEveryKeyStillCountsExactly()
    {
        await using var silo = await RunningSilo.StartAsync(Policies, new Dictionary<string, string?> { ["GrainLimiter:MaxActiveGrains"] = "20" });
        var counters = silo.Get<LimitGrainCounters>();
        var keys = Enumerable.Range(0, 200).Select(static i => $"flood:{i}").ToArray();
        var peak = 0L;

        foreach (var expected in new[] { HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests })
        {
            foreach (var key in keys)
            {
                Assert.Equal(expected, (await silo.Http.CheckAsync("two", key)).StatusCode);
                peak = Math.Max(peak, counters.Active);
            }
        }

        // A transient activation leaves right after its call; its deactivation (with its write) finishes a little
        // later, so under load a few overlap: the peak stays near the bound, far below the 200 keys, and falls back.
        Assert.True(peak <= 40, $"peak {peak} activations for a bound of 20 and 200 keys");
        await Eventually.TrueAsync(() => Task.FromResult(counters.Active <= 20), TimeSpan.FromSeconds(10), "the transient activations are gone");
        // Orleans' directory cache, a million addresses by default, is bounded the same way: a flood's keys do not pile up there.
        Assert.Equal(20, silo.Get<IOptions<GrainDirectoryOptions>>().Value.CacheSize);
    }
}
