using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using GrainLimiter.Policies;
using GrainLimiter.Silo.Tests.Fixtures;
using Polly.CircuitBreaker;

namespace GrainLimiter.Client.Tests.GrainLimiter.Client.Resilience;

/// <summary>No silo answers: each policy's failure mode decides, within the deadline, and nothing throws unless asked to.</summary>
public sealed class SiloDownTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMilliseconds(200);
    // What a loaded 2-core machine may add to a deadline. An answer that waited for a connect or read timeout instead would take
    // 30 s or more (a hung silo never answers at all); how close to the deadline a fallback comes is the benchmark's figure.
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(10);
    private readonly TcpListener _blackHole = new(IPAddress.Loopback, 0);
    private readonly List<Socket> _accepted = [];

    public SiloDownTests()
    {
        _blackHole.Start();
        // Accepts connections and never answers, like a hung silo.
        _ = Task.Run(async () =>
        {
            while (true)
            {
                try
                {
                    var socket = await _blackHole.AcceptSocketAsync();
                    lock (_accepted) _accepted.Add(socket);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    return;
                }
            }
        });
    }

    private Uri BlackHole => new($"http://127.0.0.1:{((IPEndPoint)_blackHole.LocalEndpoint).Port}");

    private static Uri Refusing => new($"http://127.0.0.1:{FreePort.Next()}");

    private static GrainLimiterClient Client(Uri endpoint, Action<GrainLimiterClientOptions>? configure = null)
    {
        var options = new GrainLimiterClientOptions
        {
            Endpoints = [endpoint],
            Deadline = Deadline,
            FailureModes = { ["login"] = FailureMode.Closed },
        };
        configure?.Invoke(options);
        return new GrainLimiterClient(options);
    }

    [Fact]
    public async Task FailOpenAdmitsAndCountsWhenNoSiloListens()
    {
        using var client = Client(Refusing);
        var clock = Stopwatch.StartNew();

        var decision = await client.CheckAsync("api-free", "user:1");

        Assert.True(decision.Allowed);
        Assert.True(decision.IsFallback);
        Assert.Equal(1, client.FailOpenCount);
        Assert.True(clock.Elapsed < Deadline + Slack, $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task FailClosedDeniesWithRetryAfterWhenNoSiloListens()
    {
        using var client = Client(Refusing);

        var decision = await client.CheckAsync("login", "user:1");

        Assert.False(decision.Allowed);
        Assert.True(decision.IsFallback);
        Assert.Equal(TimeSpan.FromSeconds(1), decision.RetryAfter);
        Assert.Equal(1, client.FailClosedCount);
    }

    [Fact]
    public async Task AHungSiloCostsNoMoreThanTheDeadline()
    {
        using var client = Client(BlackHole);
        var clock = Stopwatch.StartNew();

        var open = await client.CheckAsync("api-free", "user:1");
        var openTook = clock.Elapsed;
        var closed = await client.CheckAsync("login", "user:1");

        Assert.True(open.Allowed && open.IsFallback);
        Assert.False(closed.Allowed);
        Assert.True(closed.IsFallback);
        Assert.InRange(openTook, Deadline - TimeSpan.FromMilliseconds(20), Deadline + Slack);
        Assert.True(clock.Elapsed < 2 * Deadline + Slack, $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task MultiKeyCheckDeniesWhenAnyPolicyFailsClosed()
    {
        using var client = Client(Refusing);

        var outcome = await client.CheckAsync([new("api-free", "user:1"), new("login", "user:1")]);

        Assert.False(outcome.Allowed);
        Assert.True(outcome.Decisions[0].Allowed);
        Assert.False(outcome.Decisions[1].Allowed);
    }

    [Fact]
    public async Task ThrowsOnlyWhenAskedTo()
    {
        using var client = Client(Refusing, o => o.ThrowWhenUnavailable = true);

        var error = await Assert.ThrowsAsync<ClusterUnavailableException>(async () => await client.CheckAsync("api-free", "user:1"));

        Assert.Contains("200 ms", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CircuitOpensAfterRepeatedTimeoutsAndThenAnswersAtOnce()
    {
        using var client = Client(BlackHole, o =>
        {
            o.CircuitBreakerMinimumThroughput = 2;
            o.CircuitBreakerFailureRatio = 0.5;
        });
        await client.CheckAsync("api-free", "user:1");
        await client.CheckAsync("api-free", "user:1");

        var whileOpen = await client.CheckAsync("api-free", "user:1");

        Assert.Equal(1, client.CircuitOpenings);
        Assert.True(whileOpen.IsFallback);
        Assert.Equal(3, client.FailOpenCount);
    }

    [Fact]
    public async Task AnOpenCircuitAnswersWithoutCallingTheCluster()
    {
        using var client = Client(BlackHole, o =>
        {
            o.CircuitBreakerMinimumThroughput = 2;
            o.ThrowWhenUnavailable = true;
        });
        for (var i = 0; i < 2; i++)
        {
            var timedOut = await Assert.ThrowsAsync<ClusterUnavailableException>(async () => await client.CheckAsync("api-free", "user:1"));
            Assert.IsNotType<BrokenCircuitException>(timedOut.InnerException);
        }

        // The breaker refuses the call itself: no call is sent, so no deadline is spent.
        var whileOpen = await Assert.ThrowsAsync<ClusterUnavailableException>(async () => await client.CheckAsync("api-free", "user:1"));

        Assert.IsType<BrokenCircuitException>(whileOpen.InnerException);
    }

    public void Dispose()
    {
        _blackHole.Stop();
        lock (_accepted)
        {
            foreach (var socket in _accepted)
            {
                socket.Dispose();
            }
        }
    }
}
