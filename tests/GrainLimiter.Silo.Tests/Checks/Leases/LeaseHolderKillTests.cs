using System.Net;
using GrainLimiter.Silo.Tests.Fixtures;
using Xunit.Abstractions;

namespace GrainLimiter.Silo.Tests.Checks.Leases;

/// <summary>A silo process holding a lease of a key whose grain lives on another silo is SIGKILLed: its unused units are never
/// admitted by anyone (under-admission, never over) and come back when the window ends.</summary>
[Collection(SiloProcessCollection.Name)]
public sealed class LeaseHolderKillTests(RedisServerFixture redis, ITestOutputHelper output)
{
    private const string Policies = """
        policies:
          - name: leased
            failureMode: closed
            limits:
              - { algorithm: fixed_window, limit: 1000, window: 10s }
        """;

    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    // Leases long enough that the victim's is still outstanding when it dies right after its grant is seen (a new activation
    // grants none for one Ttl, so not much longer).
    private static readonly Dictionary<string, string> Settings = new()
    {
        ["GrainLimiter__FlushInterval"] = "00:00:00.100",
        ["GrainLimiter__Leases__Ttl"] = "00:00:01",
    };

    [Fact]
    public async Task AKilledHoldersUnusedUnitsAreAdmittedByNoneAndComeBackWhenTheWindowEnds()
    {
        await using var cluster = await SiloProcessCluster.StartAsync(3, Policies, redis.Server, Settings);
        var victim = cluster.Silos[2];
        var survivor = cluster.Silos[0];

        // A key whose grain lives on a survivor: the victim's front asks keys until a survivor reports granting a lease.
        string? key = null;
        long victimAdmitted = 0;
        var window = 0L;
        for (var k = 0; k < 12 && key is null; k++)
        {
            await WindowRoom.AwaitAsync(Window, TimeSpan.FromSeconds(8));
            window = WindowStart();
            var candidate = $"k{k}:{Guid.NewGuid():N}";
            var before = await GrantedAsync(cluster);
            long admitted = 0;
            // One call at a time, stopping at the call that was granted a lease: the victim dies with all of it unused.
            for (var round = 0; round < 300 && key is null; round++)
            {
                admitted += await CheckAsync(victim, candidate) ? 1 : 0;
                var after = await GrantedAsync(cluster);
                if (after[2] > before[2])
                {
                    break; // the victim owns it: its grain would die with it
                }

                if (after[0] > before[0] || after[1] > before[1])
                {
                    (key, victimAdmitted) = (candidate, admitted);
                }
            }

            if (key is not null && WindowStart() != window)
            {
                key = null; // the lease was granted in a window that has ended: try a fresh key in this one
            }
        }

        Assert.NotNull(key);
        victim.Kill();

        // The rest of this window, from a survivor, until the key denies: whatever the victim did not use of its lease is admitted
        // by no one (near the limit the grain decides every call itself, so the first denial means nothing is left).
        var survivorAdmitted = await CountUntilDeniedAsync(survivor, key);
        Assert.True(WindowStart() == window, "the window rolled before the key was spent; run again on a less loaded machine");
        var stranded = 1000 - victimAdmitted - survivorAdmitted;
        output.WriteLine($"victim admitted {victimAdmitted} and died holding the lease it was just granted; " +
            $"survivors admitted {survivorAdmitted}; stranded {stranded}");
        Assert.True(stranded >= 0, $"admitted {victimAdmitted + survivorAdmitted} of a limit of 1000 in one window");
        Assert.True(stranded > 0, "the victim's unused lease units are admitted by no one until the window ends");

        // The next window starts with the whole limit: the stranded units are back.
        await Eventually.TrueAsync(() => CheckAsync(survivor, key), Window * 2, "the next window admits again");
        window = WindowStart();
        var nextWindow = 1 + await CountUntilDeniedAsync(survivor, key);
        Assert.True(WindowStart() == window, "the window rolled before the key was spent; run again on a less loaded machine");

        output.WriteLine($"next window: {nextWindow} admitted");
        Assert.Equal(1000, nextWindow);
    }

    // Callers in parallel, so a loaded machine still spends the key well within its window, all stopping at the first denial;
    // then one at a time until denied, which uses up any lease this front was granted meanwhile (one caller alone, near the
    // limit, is decided by the grain itself, so its denial means nothing is left).
    private static async Task<long> CountUntilDeniedAsync(SiloProcess front, string key)
    {
        long admitted = 0;
        var denied = false;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            while (!Volatile.Read(ref denied) && Interlocked.Read(ref admitted) < 1100)
            {
                if (await CheckAsync(front, key))
                {
                    Interlocked.Increment(ref admitted);
                }
                else
                {
                    Volatile.Write(ref denied, true);
                }
            }
        })));

        while (admitted < 1100 && await CheckAsync(front, key))
        {
            admitted++;
        }

        return admitted;
    }

    // The silos' windows are aligned to the Unix epoch, on the same clock as this process.
    private static long WindowStart() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / Window.Ticks;

    private static async Task<bool> CheckAsync(SiloProcess front, string key)
    {
        using var response = await front.Http.PostAsync(new Uri("/v1/check", UriKind.Relative), SiloProcessCluster.CheckBody(("leased", key)));
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"HTTP {(int)response.StatusCode}");
        return response.StatusCode == HttpStatusCode.OK;
    }

    // Leases granted by each silo's keys so far.
    private static async Task<double[]> GrantedAsync(SiloProcessCluster cluster)
    {
        var granted = new double[cluster.Silos.Count];
        for (var i = 0; i < granted.Length; i++)
        {
            var samples = PrometheusText.Parse(await cluster.Silos[i].Http.GetStringAsync(new Uri("/metrics", UriKind.Relative)));
            granted[i] = samples.Where(static s => s.Key.StartsWith("grainlimiter_leases_granted_total", StringComparison.Ordinal)).Sum(static s => s.Value);
        }

        return granted;
    }
}
