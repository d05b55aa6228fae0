using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using GrainLimiter.Silo.Runtime.Cluster;
using GrainLimiter.Silo.Runtime.Cluster.Peers;
using GrainLimiter.Silo.Tests.Fixtures;
using GrainLimiter.Storage;

namespace GrainLimiter.Silo.Tests.Runtime.Cluster;

/// <summary>A peer that accepts connections and never reads: callers still get answers in time, and memory stays bounded.</summary>
public sealed class SlowPeerTests
{
    private const string Policies = """
        policies:
          - name: open
            limits:
              - { algorithm: fixed_window, limit: 1000, window: 1h }
          - name: closed
            failureMode: closed
            limits:
              - { algorithm: fixed_window, limit: 1000, window: 1h }
        """;

    [Fact]
    public async Task CallersGetTheirFailureModeWithinTheDeadlineAndPendingWorkStaysBounded()
    {
        using var blackHole = new TcpListener(IPAddress.Loopback, 0);
        blackHole.Start();
        var accepted = new List<Socket>();
        using var stopAccepting = new CancellationTokenSource();
        var accepting = Task.Run(async () =>
        {
            while (!stopAccepting.IsCancellationRequested)
            {
                try
                {
                    accepted.Add(await blackHole.AcceptSocketAsync(stopAccepting.Token));
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });
        var slow = InProcessCluster.Address(((IPEndPoint)blackHole.LocalEndpoint).Port);
        var port = FreePort.Next();
        var self = InProcessCluster.Address(port);
        var settings = InProcessCluster.StaticSettings(port, $"{self},{slow}", new Dictionary<string, string?>
        {
            ["GrainLimiter:Cluster:PeerTimeout"] = "00:00:00.300",
            ["GrainLimiter:Cluster:PeerQueueCapacity"] = "50",
            ["GrainLimiter:Cluster:MaxBatchesInFlight"] = "2",
            ["GrainLimiter:Cluster:BatchSize"] = "10",
            ["GrainLimiter:Cluster:FailureDetection:DeadAfter"] = "00:05:00",
        });
        await using var silo = await RunningSilo.StartAsync(Policies, settings);
        var pool = silo.Get<PeerClientPool>();
        var view = new ClusterView(1, self, [self, slow]);
        var slowKeys = Enumerable.Range(0, 4000).Select(static i => $"s{i}")
            .Select((key, i) => (Policy: i % 2 == 0 ? "open" : "closed", Key: key))
            .Where(c => view.OwnerOf(new GrainId(c.Policy, c.Key)) == slow).Take(400).ToArray();

        var maxPending = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                maxPending = Math.Max(maxPending, pool.Pending);
                await Task.Delay(5);
            }
        });

        var slowest = TimeSpan.Zero;
        var answers = await Task.WhenAll(slowKeys.Select(async check =>
        {
            var (policy, key) = check;
            var clock = Stopwatch.StartNew();
            using var response = await silo.Http.PostAsync(new Uri("/v1/check", UriKind.Relative), JsonContent.Create(new { checks = new[] { new { policy, key, cost = 1 } } }));
            var body = await response.Content.ReadAsStringAsync();
            lock (slowKeys)
            {
                slowest = clock.Elapsed > slowest ? clock.Elapsed : slowest;
            }

            return (policy, response.StatusCode, body);
        }));
        await sampling.CancelAsync();
        await sampler;
        await stopAccepting.CancelAsync();
        await accepting;
        accepted.ForEach(static s => s.Dispose());

        Assert.All(answers, a =>
        {
            Assert.Contains(GrainRouter.OwnerUnreachableReason, a.body, StringComparison.Ordinal);
            Assert.Equal(a.policy == "open" ? HttpStatusCode.OK : HttpStatusCode.TooManyRequests, a.StatusCode);
        });
        // Queue capacity + batches in flight x batch size, per peer.
        Assert.True(maxPending <= 50 + (2 * 10), $"{maxPending} operations were pending for the slow peer");
        Assert.True(slowest < TimeSpan.FromSeconds(5), $"slowest answer took {slowest}");
    }
}
