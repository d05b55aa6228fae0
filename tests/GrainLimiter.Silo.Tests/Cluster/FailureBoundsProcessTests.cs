using System.Net;
using System.Text.Json;
using GrainLimiter.Silo.Tests.Fixtures;
using Xunit.Abstractions;

namespace GrainLimiter.Silo.Tests.Cluster;

/// <summary>
/// A hot key under load while the silo that owns it is SIGKILLed or hung (SIGSTOP until declared dead, then SIGCONT), or while
/// redis-server is down: what it admits over the run stays within the limit plus the bound docs/cluster.md's "Failures and their bounds"
/// states, no answer is a 5xx, and every answer is either decided, a failure-mode answer or a transport error.
/// </summary>
[Collection(SiloProcessCollection.Name)]
public sealed class FailureBoundsProcessTests(RedisServerFixture redis, ITestOutputHelper output)
{
    private const int Limit = 4000;

    private const string Policies = """
        policies:
          - name: hot
            failureMode: closed
            limits:
              - { algorithm: fixed_window, limit: 4000, window: 1h }
        """;

    private static readonly TimeSpan Window = TimeSpan.FromHours(1);
    private static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LeaseTtl = TimeSpan.FromMilliseconds(100);

    // How late a starved silo's flush, or an answer on its way, may come on this shared machine: widens the windows the bounds
    // count admissions in, never the design's bound itself.
    private static readonly TimeSpan Lateness = TimeSpan.FromSeconds(1);

    private const int Callers = 12;
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(5);

    private static readonly Dictionary<string, string> Settings = new()
    {
        ["GrainLimiter__FlushInterval"] = "00:00:00.100",
        ["GrainLimiter__Leases__Ttl"] = "00:00:00.100",
        ["GrainLimiter__Cluster__TableRefreshTimeout"] = "00:00:01",
    };

    [Fact]
    public async Task KillingTheHotKeysOwnerOverAdmitsAtMostWhatItsLastFlushMissed()
    {
        await WindowRoom.AwaitAsync(Window, TimeSpan.FromMinutes(2));
        await using var cluster = await SiloProcessCluster.StartAsync(3, Policies, redis.Server, Settings);
        var victim = cluster.Silos[2];
        var key = await KeyOwnedByAsync(cluster, victim);
        var load = new HotKeyLoad("hot", maxChecks: 3 * Limit);
        using var stop = new CancellationTokenSource();
        var running = load.RunAsync([cluster.Silos[0], cluster.Silos[1]], Callers, _ => key, Pause, stop.Token);

        await UntilAdmittedAsync(load, key, tenths: 6);
        var killed = load.Now;
        victim.Kill();
        await SpendAsync(load, key, after: killed);
        await stop.CancelAsync();
        await running;

        var bound = OverAdmissionBound(load, key, killed);
        AssertWithinBounds(load, key, killed, bound, "SIGKILL of the owner");
    }

    [Fact]
    public async Task AHungOwnerIsDeclaredDeadAndOnceThawedLeavesWithoutAdmittingAgain()
    {
        await WindowRoom.AwaitAsync(Window, TimeSpan.FromMinutes(2));
        await using var cluster = await SiloProcessCluster.StartAsync(3, Policies, redis.Server, Settings);
        var victim = cluster.Silos[2];
        var key = await KeyOwnedByAsync(cluster, victim);
        var load = new HotKeyLoad("hot", maxChecks: 3 * Limit);
        using var stop = new CancellationTokenSource();
        // A third of the callers ask the victim's own front: they hang with it, and their requests are still open when it runs again.
        var running = load.RunAsync([cluster.Silos[0], cluster.Silos[1], victim], Callers, _ => key, Pause, stop.Token);

        await UntilAdmittedAsync(load, key, tenths: 6);
        var frozen = load.Now;
        victim.Freeze();
        await Eventually.TrueAsync(async () => await StatusAsync(cluster.Silos[0], victim) == "dead" && await StatusAsync(cluster.Silos[1], victim) == "dead",
            TimeSpan.FromSeconds(60), "the survivors declare the hung silo dead");
        // Its keys have a new owner once the load is admitted again (its leases expired long ago).
        var declared = load.Now;
        await Eventually.TrueAsync(() => Task.FromResult(load.Count(key, HotKeyAnswer.Admitted, from: declared) > 0 || load.Exhausted),
            TimeSpan.FromSeconds(60), "the key's new owner admits");
        var thawed = load.Now;
        victim.Thaw();
        Assert.True(await victim.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the thawed silo finds itself dead and stops");
        await SpendAsync(load, key, after: thawed);
        await stop.CancelAsync();
        await running;

        // As for a kill, counted from the freeze; the thawed silo's own front admits nothing more: its old activation's answers
        // would come from counts the new owner never saw.
        var stale = load.AdmittedBy(victim.HttpPort, key, thawed);
        var bound = OverAdmissionBound(load, key, frozen);
        output.WriteLine($"thawed silo: exit code {victim.ExitCode}; after the thaw its front admitted {stale}, answered " +
            $"{load.Count(key, HotKeyAnswer.FailureMode, from: thawed)} checks by the failure mode (fenced: " +
            $"{victim.Output.Contains("stopped running for", StringComparison.Ordinal)}), {load.Count(key, HotKeyAnswer.TransportError)} not at all");
        AssertWithinBounds(load, key, frozen, bound, "SIGSTOP of the owner until declared dead, then SIGCONT");
        Assert.Equal(0, stale);
    }

    [Fact]
    public async Task ARedisOutageAdmitsNoMoreThanTheLimitOfAKeyThatStaysActive()
    {
        await WindowRoom.AwaitAsync(Window, TimeSpan.FromMinutes(2));
        // Its own server, persisting every write (the membership table too), so the restarted one on the same port and data
        // directory has what was written before the outage.
        await using var store = await RedisServerProcess.StartRedisAsync("--appendonly", "yes", "--appendfsync", "always");
        await using var cluster = await SiloProcessCluster.StartAsync(2, Policies, store, Settings);
        var key = await KeyOwnedByAsync(cluster, cluster.Silos[1]);
        var load = new HotKeyLoad("hot", maxChecks: 3 * Limit);
        using var stop = new CancellationTokenSource();
        // Every tenth check is of a key never asked before: it must read the store to activate.
        var running = load.RunAsync(cluster.Silos, Callers, check => check % 10 == 0 ? $"fresh-{check}" : key, Pause, stop.Token);

        await UntilAdmittedAsync(load, key, tenths: 3);
        await store.KillAsync();
        var down = load.Now;
        await Eventually.TrueAsync(
            async () => await WriteFailuresAsync(cluster) > 0 && load.Count(key, HotKeyAnswer.Admitted, from: down) >= 200 || load.Exhausted,
            TimeSpan.FromSeconds(60), "writes fail while the hot key is decided from memory");
        await store.RestartAsync();
        var up = load.Now;
        await SpendAsync(load, key, after: up);
        await stop.CancelAsync();
        await running;

        foreach (var silo in cluster.Silos)
        {
            output.WriteLine(string.Join("\n", silo.Output.Split('\n').Where(static l => l.Contains("ETag", StringComparison.Ordinal)).Take(5)));
        }

        var fresh = Enumerable.Range(1, load.Sent).Where(static c => c % 10 == 0).Select(static c => $"fresh-{c}").ToHashSet(StringComparer.Ordinal);
        var freshFailureMode = fresh.Sum(f => load.Count(f, HotKeyAnswer.FailureMode, down, up));
        var freshServerErrors = fresh.Sum(f => load.Count(f, HotKeyAnswer.ServerError));
        output.WriteLine($"Redis down: new keys answered store_unavailable {freshFailureMode} times");
        Assert.Equal(0, freshServerErrors);
        Assert.True(freshFailureMode > 0, "a key activated while Redis was down answered by its failure mode");
        Assert.Equal(0, load.Count(key, HotKeyAnswer.FailureMode));
        // Exact: every unit is admitted or still left once the fronts gave their unused lease units back.
        var admitted = load.Count(key, HotKeyAnswer.Admitted);
        var sentToKey = load.Sent - fresh.Count;
        Assert.Equal(sentToKey, admitted + load.Count(key, HotKeyAnswer.Denied) + load.Count(key, HotKeyAnswer.FailureMode)
            + load.Count(key, HotKeyAnswer.ServerError) + load.Count(key, HotKeyAnswer.TransportError));
        AssertWithinBounds(load, key, down, overBound: 0, "Redis down under load", sentToKey);
        // And keys activate from the store again.
        await Eventually.TrueAsync(async () => await ReadsTheStoreAsync(cluster.Silos[0], $"after-{Guid.NewGuid():N}"), TimeSpan.FromSeconds(60),
            "a key activated after the outage reads its state");
    }

    // Until the key has admitted tenths / 10 of its limit (or the load ran out of checks): the failure comes then.
    private static Task UntilAdmittedAsync(HotKeyLoad load, string key, int tenths) =>
        Eventually.TrueAsync(() => Task.FromResult(load.Count(key, HotKeyAnswer.Admitted) >= Limit * tenths / 10 || load.Exhausted),
            TimeSpan.FromSeconds(60), $"{tenths}0 % of the limit is admitted");

    // What a kill or a freeze at failedAt may over-admit: the owner's admissions after its last completed write (one FlushInterval,
    // plus a write the failure cut) and the units it leased, which the survivors' fronts admit within one lease Ttl after it.
    private static int OverAdmissionBound(HotKeyLoad load, string key, TimeSpan failedAt) =>
        load.Count(key, HotKeyAnswer.Admitted, failedAt - FlushInterval - Lateness, failedAt + LeaseTtl + Lateness);

    // Admissions, limit denials and failure-mode answers of the key over the run; nothing else may have happened.
    private void AssertWithinBounds(HotKeyLoad load, string key, TimeSpan failedAt, int overBound, string what, int? sent = null)
    {
        var admitted = load.Count(key, HotKeyAnswer.Admitted);
        var denied = load.Count(key, HotKeyAnswer.Denied);
        var failureMode = load.Count(key, HotKeyAnswer.FailureMode);
        var serverErrors = load.Count(key, HotKeyAnswer.ServerError);
        var transportErrors = load.Count(key, HotKeyAnswer.TransportError);
        // Under-admission: calls in flight at the failure that charged but were answered by the failure mode (one per caller), and
        // units leased but unused then (a lease is at most twice its holder's asks over one Ttl).
        var underBound = Callers + 2 * load.Count(key, HotKeyAnswer.Admitted, failedAt - LeaseTtl - Lateness, failedAt)
            + 2 * load.Count(key, HotKeyAnswer.Denied, failedAt - LeaseTtl - Lateness, failedAt);
        output.WriteLine($"{what}: {sent ?? load.Sent} checks; admitted {admitted} of {Limit} " +
            $"(over-admission bound {overBound}, under-admission bound {underBound}), " +
            $"denied {denied}, failure-mode {failureMode}, 5xx {serverErrors}, transport errors {transportErrors}");
        Assert.Equal(sent ?? load.Sent, admitted + denied + failureMode + serverErrors + transportErrors);
        Assert.True(serverErrors == 0, string.Join("\n", load.Details(HotKeyAnswer.ServerError)));
        Assert.True(admitted <= Limit + overBound, $"admitted {admitted}: over {Limit} + {overBound}");
        Assert.True(admitted >= Limit - underBound, $"admitted {admitted}: under {Limit} - {underBound}");
    }

    // Load goes on until the key's new owner denies it: the limit is spent (a failure-mode denial says nothing about that).
    private static Task SpendAsync(HotKeyLoad load, string key, TimeSpan after) =>
        Eventually.TrueAsync(() => Task.FromResult(load.Count(key, HotKeyAnswer.Denied, from: after) >= 100 || load.Exhausted),
            TimeSpan.FromSeconds(90), "the key's new owner denies it");

    // A fresh key whose grain activates on the owner: the one silo whose count of active grains went up for its first call.
    private static async Task<string> KeyOwnedByAsync(SiloProcessCluster cluster, SiloProcess owner)
    {
        for (var attempt = 0; attempt < 40; attempt++)
        {
            var key = $"hot-{attempt}-{Guid.NewGuid():N}";
            var before = await ActiveGrainsAsync(cluster);
            // A peek: activates the grain without charging it.
            using var response = await cluster.Silos[0].Http.GetAsync(new Uri($"/v1/limits/hot/{key}", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var after = await ActiveGrainsAsync(cluster);
            var grown = Enumerable.Range(0, after.Length).Where(i => after[i] > before[i]).ToArray();
            if (grown.Length == 1 && cluster.Silos[grown[0]] == owner)
            {
                return key;
            }
        }

        throw new InvalidOperationException("no key of 40 activated on the chosen silo");
    }

    private static async Task<double[]> ActiveGrainsAsync(SiloProcessCluster cluster) =>
        await Task.WhenAll(cluster.Silos.Select(static async silo =>
        {
            var samples = PrometheusText.Parse(await silo.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative)));
            return samples.Where(static s => s.Key.StartsWith("grainlimiter_active_grains", StringComparison.Ordinal)).Sum(static s => s.Value);
        }));

    private static async Task<double> WriteFailuresAsync(SiloProcessCluster cluster)
    {
        var failures = await Task.WhenAll(cluster.Silos.Select(static async silo =>
        {
            var samples = PrometheusText.Parse(await silo.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative)));
            return samples.Where(static s => s.Key.StartsWith("grainlimiter_store_write_failures_total", StringComparison.Ordinal)).Sum(static s => s.Value);
        }));
        return failures.Sum();
    }

    // A fail-closed key activated now answers from its state, not store_unavailable.
    private static async Task<bool> ReadsTheStoreAsync(SiloProcess front, string key)
    {
        using var response = await front.Http.GetAsync(new Uri($"/v1/limits/hot/{key}", UriKind.Relative));
        return response.StatusCode == HttpStatusCode.OK
            && !(await response.Content.ReadAsStringAsync()).Contains("store_unavailable", StringComparison.Ordinal);
    }

    // The status another silo's membership gives the silo at endpoint (active, dead...), from the admin API.
    private static async Task<string?> StatusAsync(SiloProcess asked, SiloProcess silo)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/v1/cluster");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", SiloProcess.AdminToken);
        using var response = await asked.Http.SendAsync(request);
        using var document = JsonDocument.Parse(await response.EnsureSuccessStatusCode().Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("silos").EnumerateArray()
            .Where(s => s.GetProperty("endpoint").GetString() == silo.SiloEndpoint)
            .Select(static s => s.GetProperty("status").GetString())
            .LastOrDefault();
    }
}
