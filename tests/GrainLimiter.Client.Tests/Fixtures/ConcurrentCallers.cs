using Grpc.Core;

namespace GrainLimiter.Client.Tests.Fixtures;

/// <summary>What batching across callers must keep, on every transport: many callers asking at once travel in fewer calls, and
/// each is still decided on its own (one caller's denial or bad input is nobody else's).</summary>
public static class ConcurrentCallers
{
    private const int Callers = 64;

    public static async Task AssertEachGetsItsOwnDecisionAsync(GrainLimiterClient client)
    {
        var hot = SiloFixture.UniqueKey("hot");
        var batchesBefore = client.BatchesSent;
        // 64 callers on one key limited to 3 an hour, one caller with an unknown policy among them, all at once.
        var checks = Enumerable.Range(0, Callers).Select(i => Task.Run(async () => await client.CheckAsync("three-per-hour", hot))).ToList();
        var bad = Task.Run(async () => await client.CheckAsync("no-such-policy", "k"));
        var decisions = await Task.WhenAll(checks);

        Assert.Equal(3, decisions.Count(static d => d.Allowed));
        Assert.All(decisions, static d => Assert.False(d.IsFallback));
        Assert.All(decisions.Where(static d => !d.Allowed), static d => Assert.True(d.RetryAfter > TimeSpan.Zero));
        var error = await Assert.ThrowsAsync<RpcException>(() => bad);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(0, client.FailOpenCount);
        // 65 checks asked at once: at most MaxBatchesInFlight calls leave before the first answer, the rest gather behind them.
        Assert.True(client.BatchesSent - batchesBefore < Callers, $"{client.BatchesSent - batchesBefore} calls for {Callers + 1} checks");
        Assert.All(decisions, d => Assert.Equal(hot, d.Key));
    }
}
