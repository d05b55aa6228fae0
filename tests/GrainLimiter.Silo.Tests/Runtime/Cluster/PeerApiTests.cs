using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GrainLimiter.Protocol.Peer.V1;
using GrainLimiter.Silo.Runtime.Cluster;
using GrainLimiter.Silo.Tests.Fixtures;
using GrainLimiter.Storage;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Tests.Runtime.Cluster;

/// <summary>The peer API of in-process silos in static membership: authentication, ownership answers, re-routing.</summary>
public sealed class PeerApiTests
{
    private const string Policies = """
        policies:
          - name: open
            limits:
              - { algorithm: fixed_window, limit: 100, window: 1h }
          - name: closed
            failureMode: closed
            limits:
              - { algorithm: fixed_window, limit: 100, window: 1h }
        """;

    [Fact]
    public async Task PeerCallsWithoutTheRightSecretAreRefusedAndTheFrontPortDoesNotServeThem()
    {
        var port = FreePort.Next();
        await using var silo = await RunningSilo.StartAsync(Policies, InProcessCluster.StaticSettings(port, InProcessCluster.Address(port)));
        var ping = new PingRequest { Sender = "127.0.0.1:1" };
        var path = "grainlimiter.peer.v1.Peer/Ping";

        Assert.Equal(16, (await InProcessCluster.CallAsync(port, path, ping, secret: null)).Status);
        Assert.Equal(16, (await InProcessCluster.CallAsync(port, path, ping, secret: InProcessCluster.Secret + "x")).Status);
        var (status, message) = await InProcessCluster.CallAsync(port, path, ping, InProcessCluster.Secret);
        Assert.Equal(0, status);
        Assert.Equal(InProcessCluster.Address(port), PingResponse.Parser.ParseFrom(message).Address);

        // The client-facing HTTP port does not serve the peer API, secret or not.
        using var front = await silo.Http.PostAsync(new Uri("/" + path, UriKind.Relative), new ByteArrayContent([0, 0, 0, 0, 0]));
        Assert.Equal(HttpStatusCode.NotFound, front.StatusCode);
    }

    [Fact]
    public async Task MultiSiloModeWithoutASecretRefusesToStartNamingTheVariable()
    {
        var port = FreePort.Next();
        var settings = InProcessCluster.StaticSettings(port, InProcessCluster.Address(port));
        settings["GrainLimiter:Cluster:Secret"] = null;
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => RunningSilo.StartAsync(Policies, settings));
        Assert.Contains("GrainLimiter__Cluster__Secret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASiloAnswersNotOwnerForAKeyItsViewGivesToAnotherSilo()
    {
        var (a, b) = (FreePort.Next(), FreePort.Next());
        var peers = $"{InProcessCluster.Address(a)},{InProcessCluster.Address(b)}";
        await using var siloA = await RunningSilo.StartAsync(Policies, InProcessCluster.StaticSettings(a, peers));
        await using var siloB = await RunningSilo.StartAsync(Policies, InProcessCluster.StaticSettings(b, peers));
        var view = new ClusterView(1, "", [InProcessCluster.Address(a), InProcessCluster.Address(b)]);
        var keyOfB = Enumerable.Range(0, 100).Select(static i => $"u{i}").First(k => view.OwnerOf(new GrainId("open", k)) == InProcessCluster.Address(b));
        var keyOfA = Enumerable.Range(0, 100).Select(static i => $"u{i}").First(k => view.OwnerOf(new GrainId("open", k)) == InProcessCluster.Address(a));

        var request = new DecideRequest { Sender = "test", Ops = { new GrainOp { Policy = "open", Key = keyOfB, Cost = 1 }, new GrainOp { Policy = "open", Key = keyOfA, Cost = 1 } } };
        var (status, message) = await InProcessCluster.CallAsync(a, "grainlimiter.peer.v1.Peer/Decide", request, InProcessCluster.Secret);
        Assert.Equal(0, status);
        var results = DecideResponse.Parser.ParseFrom(message).Results;
        Assert.Equal(ResultStatus.NotOwner, results[0].Status);
        Assert.Equal(ResultStatus.Ok, results[1].Status);
        Assert.Equal(99, results[1].Remaining);

        // Through a front, B's key is forwarded to B whichever silo is asked: both fronts share one count.
        using var first = await siloA.Http.PostAsync(new Uri("/v1/check", UriKind.Relative), Body("open", keyOfB));
        using var second = await siloB.Http.PostAsync(new Uri("/v1/check", UriKind.Relative), Body("open", keyOfB));
        Assert.Equal(99, Remaining(await first.Content.ReadAsStringAsync()));
        Assert.Equal(98, Remaining(await second.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task DisagreeingViewsEndInTheFailureModeAfterBoundedReroutes()
    {
        // A believes the cluster is {A, B}; B believes {A, B, C} with C never answering (and never declared dead here).
        var (a, b, c) = (FreePort.Next(), FreePort.Next(), FreePort.Next());
        var slowDeath = new Dictionary<string, string?> { ["GrainLimiter:Cluster:FailureDetection:DeadAfter"] = "00:05:00", ["GrainLimiter:Cluster:MaxReroutes"] = "2" };
        await using var siloA = await RunningSilo.StartAsync(Policies, InProcessCluster.StaticSettings(a, $"{InProcessCluster.Address(a)},{InProcessCluster.Address(b)}", slowDeath));
        await using var siloB = await RunningSilo.StartAsync(Policies,
            InProcessCluster.StaticSettings(b, $"{InProcessCluster.Address(a)},{InProcessCluster.Address(b)},{InProcessCluster.Address(c)}", slowDeath));
        var viewOfA = new ClusterView(1, "", [InProcessCluster.Address(a), InProcessCluster.Address(b)]);
        var viewOfB = new ClusterView(1, "", [InProcessCluster.Address(a), InProcessCluster.Address(b), InProcessCluster.Address(c)]);
        var key = Enumerable.Range(0, 1000).Select(static i => $"v{i}")
            .First(k => viewOfA.OwnerOf(new GrainId("closed", k)) == InProcessCluster.Address(b) && viewOfB.OwnerOf(new GrainId("closed", k)) == InProcessCluster.Address(c));

        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var response = await siloA.Http.PostAsync(new Uri("/v1/check", UriKind.Relative), Body("closed", key));
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Contains("owner_unreachable", body, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"answered after {clock.Elapsed}");
    }

    private static JsonContent Body(string policy, string key) => JsonContent.Create(new { checks = new[] { new { policy, key, cost = 1 } } });

    private static long Remaining(string json) => JsonDocument.Parse(json).RootElement.GetProperty("results")[0].GetProperty("remaining").GetInt64();
}
