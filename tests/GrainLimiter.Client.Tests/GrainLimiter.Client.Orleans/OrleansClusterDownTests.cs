using System.Diagnostics;
using GrainLimiter.Client.Decisions;
using GrainLimiter.Client.Orleans;
using GrainLimiter.Policies;
using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Client.Tests.GrainLimiter.Client.Orleans;

/// <summary>The Orleans transport with no cluster to join: the same failure modes, deadline and circuit breaker as over gRPC.</summary>
public sealed class OrleansClusterDownTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMilliseconds(200);
    // What a loaded 2-core machine may add to a deadline; a call that waited for Orleans' response timeout instead would take 30 s.
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(10);

    private static GrainLimiterClient Client(Action<GrainLimiterClientOptions>? configure = null)
    {
        var options = new GrainLimiterClientOptions { Deadline = Deadline, FailureModes = { ["login"] = FailureMode.Closed } };
        configure?.Invoke(options);
        // Nothing listens there: the client keeps trying to join in the background.
        return GrainLimiterOrleansClient.Create(options, new OrleansTransportOptions { Gateways = [$"127.0.0.1:{FreePort.Next()}"] });
    }

    [Fact]
    public async Task FailOpenAdmitsAndFailClosedDeniesWhileNoGatewayAnswers()
    {
        using var client = Client();
        var clock = Stopwatch.StartNew();

        var open = await client.CheckAsync("api-free", "user:1");
        var closed = await client.CheckAsync("login", "user:1");

        Assert.True(open.Allowed);
        Assert.True(open.IsFallback);
        Assert.Equal(ClusterDecision.ClusterUnavailableReason, open.Reason);
        Assert.False(closed.Allowed);
        Assert.True(closed.IsFallback);
        Assert.Equal(TimeSpan.FromSeconds(1), closed.RetryAfter);
        Assert.Equal(1, client.FailOpenCount);
        Assert.Equal(1, client.FailClosedCount);
        Assert.True(clock.Elapsed < Deadline + Slack, $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task MultiKeyCheckDeniesWhenAnyPolicyFailsClosed()
    {
        using var client = Client();

        var outcome = await client.CheckAsync([new("api-free", "user:1"), new("login", "user:1")]);

        Assert.False(outcome.Allowed);
        Assert.True(outcome.Decisions[0].Allowed);
        Assert.False(outcome.Decisions[1].Allowed);
    }

    [Fact]
    public async Task ThrowsOnlyWhenAskedTo()
    {
        using var client = Client(o => o.ThrowWhenUnavailable = true);

        var error = await Assert.ThrowsAsync<ClusterUnavailableException>(async () => await client.CheckAsync("api-free", "user:1"));

        Assert.Contains("200 ms", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CircuitOpensAfterRepeatedFailures()
    {
        using var client = Client(o => o.CircuitBreakerMinimumThroughput = 2);
        await client.CheckAsync("api-free", "user:1");
        await client.CheckAsync("api-free", "user:1");

        await client.CheckAsync("api-free", "user:1");

        Assert.Equal(1, client.CircuitOpenings);
        Assert.Equal(3, client.FailOpenCount);
    }

    [Fact]
    public async Task WarmUpGivesUpAfterItsTimeoutAndAnswersNoSilo()
    {
        using var client = Client();
        var clock = Stopwatch.StartNew();

        var serving = await client.WarmUpAsync(TimeSpan.FromMilliseconds(300));

        Assert.Equal(0, serving);
        // Gives up at its timeout, not never: the Orleans client's first connect attempt may finish its own step first.
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(300) + Slack);
    }

    [Theory]
    [InlineData(null, null, "give Redis (the silos' membership")]
    [InlineData("127.0.0.1:6379", "127.0.0.1:30000", "give Redis or Gateways, not both")]
    [InlineData(null, "127.0.0.1", "Gateways:0: '127.0.0.1' is not host:port")]
    [InlineData(null, "silo-0:99999", "Gateways:0: 'silo-0:99999' is not host:port")]
    public void InvalidOptionsAreRefusedNamingTheSetting(string? redis, string? gateway, string expected)
    {
        var orleans = new OrleansTransportOptions { Redis = redis, Gateways = gateway is null ? [] : [gateway] };

        var error = Assert.Throws<ArgumentException>(() => GrainLimiterOrleansClient.Create(new GrainLimiterClientOptions(), orleans));

        Assert.Contains("GrainLimiter:Client:Orleans", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HostNamesAndIpv6GatewaysAreAccepted()
    {
        Assert.Empty(new OrleansTransportOptions { Gateways = ["silo-0.silo:30000", "[::1]:30000", "10.0.0.7:30001"] }.Validate());
    }

    [Fact]
    public void AGrpcClientCannotBeBuiltForTheOrleansTransport()
    {
        var error = Assert.Throws<ArgumentException>(() => new GrainLimiterClient(new GrainLimiterClientOptions { Transport = ClusterTransport.Orleans }));

        Assert.Contains("GrainLimiterOrleansClient.Create", error.Message, StringComparison.Ordinal);
    }
}
