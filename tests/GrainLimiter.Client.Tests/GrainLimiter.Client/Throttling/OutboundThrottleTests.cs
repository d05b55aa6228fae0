using System.Collections.Concurrent;
using System.Diagnostics;
using GrainLimiter.Client.Tests.Fixtures;
using GrainLimiter.Client.Throttling;
using GrainLimiter.Silo.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;

namespace GrainLimiter.Client.Tests.GrainLimiter.Client.Throttling;

/// <summary>Workers sharing the 30-per-minute image API through a real silo. Time is a <see cref="SleepersClock"/> shared by the
/// silo and the throttles: it moves to the next wake-up only when every worker sleeps, so a test of minutes of virtual time
/// runs in about a second and every start time is exact.</summary>
public sealed class OutboundThrottleTests
{
    private const string Key = "image:generate";
    private const int Workers = 8;
    private const int Jobs = 45;
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Slot = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task EightWorkersNeverExceedThirtyPerMinuteAndFinishAtTheTheoreticalMinimum()
    {
        var clock = new SleepersClock();
        await using var silo = await StartSiloAsync(clock);
        var start = clock.GetUtcNow();

        var starts = await RunWorkersAsync(silo, clock, onStart: null);

        Assert.Equal(Jobs, starts.Count);
        AssertAtMostThirtyPerMinute(starts);
        // A leaky bucket admits one every 2 s: the 45th job can start no earlier than 44 slots in, and it does.
        Assert.Equal(start, starts[0]);
        Assert.Equal(start + (Jobs - 1) * Slot, starts[^1]);
    }

    [Fact]
    public async Task AnUpstreamTooManyRequestsPausesEveryWorker()
    {
        var clock = new SleepersClock();
        await using var silo = await StartSiloAsync(clock);
        var pause = TimeSpan.FromSeconds(30);
        DateTimeOffset? reportedAt = null;

        // The 11th call meets a 429 with Retry-After: 30 s; its worker reports it.
        var starts = await RunWorkersAsync(silo, clock, onStart: async (throttle, count) =>
        {
            if (count == 11)
            {
                reportedAt = clock.GetUtcNow();
                await throttle.ReportUpstreamLimitedAsync(Key, pause);
            }
        });

        Assert.Equal(Jobs, starts.Count);
        var pausedFrom = reportedAt!.Value;
        Assert.DoesNotContain(starts, s => s > pausedFrom && s < pausedFrom + pause);
        AssertAtMostThirtyPerMinute(starts);
        // After the pause the queue restarts at once, one slot every 2 s, with no burst of forfeited slots.
        Assert.Equal(pausedFrom + pause + (Jobs - 12) * Slot, starts[^1]);
    }

    [Fact]
    public async Task PremiumCallersWaitingWithStandardOnesAreServedFirst()
    {
        await using var silo = await RunningSilo.StartAsync(TestPolicies.Yaml);
        using var client = NewClient(silo);
        var key = "queue:" + Guid.NewGuid().ToString("N");
        var throttle = new OutboundThrottle(client, new OutboundThrottleOptions { Keys = { [key] = "fast-queue" } });
        // Five slots (0.5 s at 10/s) already taken by other processes: the first caller below holds the turn a while.
        for (var i = 0; i < 5; i++)
        {
            await client.ReserveAsync("fast-queue", key);
        }

        var order = new ConcurrentQueue<string>();
        async Task Call(string name, ThrottlePriority priority)
        {
            await throttle.WaitAsync(key, 1, priority);
            order.Enqueue(name);
        }

        // Each call queues synchronously, in this order, while "s0" holds the turn.
        var calls = new[]
        {
            Call("s0", ThrottlePriority.Standard),
            Call("s1", ThrottlePriority.Standard),
            Call("s2", ThrottlePriority.Standard),
            Call("p1", ThrottlePriority.Premium),
            Call("s3", ThrottlePriority.Standard),
            Call("p2", ThrottlePriority.Premium),
        };
        await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(["s0", "p1", "p2", "s1", "s2", "s3"], order);
    }

    [Fact]
    public async Task GivesUpWithAClearExceptionWhenTheWaitWouldExceedTheMaximum()
    {
        await using var silo = await RunningSilo.StartAsync(TestPolicies.Yaml);
        using var client = NewClient(silo);
        var key = "image:" + Guid.NewGuid().ToString("N");
        // The throttle's clock never moves: a throttle that waited before giving up would never return.
        var throttle = new OutboundThrottle(
            client, new OutboundThrottleOptions { Keys = { [key] = "image-api" }, MaxWait = TimeSpan.FromSeconds(3) }, new FakeTimeProvider());
        var first = TimeProvider.System.GetTimestamp();
        await throttle.WaitAsync(key);
        await client.ReserveAsync("image-api", key);

        // The next slot is 4 s after the first (less the real time since, on the silo's clock), beyond the 3 s maximum:
        // no point waiting 3 s to fail.
        var error = await Assert.ThrowsAsync<ThrottleWaitTimeoutException>(async () =>
            await throttle.WaitAsync(key).AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
        var since = TimeProvider.System.GetElapsedTime(first);

        Assert.Equal(key, error.Key);
        Assert.InRange(error.StillToWait, TimeSpan.FromSeconds(4) - since, TimeSpan.FromSeconds(4));
        Assert.Contains("OutboundThrottleOptions.MaxWait", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutRetryAfterThePauseBacksOffExponentiallyWithJitterAndReachesTheCluster()
    {
        await using var silo = await RunningSilo.StartAsync(TestPolicies.Yaml);
        using var client = NewClient(silo);
        var key = "ai:" + Guid.NewGuid().ToString("N");
        var throttle = new OutboundThrottle(client, new OutboundThrottleOptions
        {
            Keys = { [key] = "roomy" },
            BackoffInitial = TimeSpan.FromSeconds(10),
            BackoffMax = TimeSpan.FromMinutes(1),
        });

        var first = await throttle.ReportUpstreamLimitedAsync(key, retryAfter: null);
        var second = await throttle.ReportUpstreamLimitedAsync(key, retryAfter: null);
        var reported = TimeProvider.System.GetTimestamp();
        var third = await throttle.ReportUpstreamLimitedAsync(key, retryAfter: null);
        var seenByOthers = await client.CheckAsync("roomy", key);
        var since = TimeProvider.System.GetElapsedTime(reported);

        Assert.InRange(first, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10));
        Assert.InRange(second, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(20));
        Assert.InRange(third, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(40));
        Assert.False(seenByOthers.Allowed);
        // The longest pause is in force, less the real time since it was reported (on the silo's clock).
        Assert.InRange(seenByOthers.RetryAfter!.Value, third - since, TimeSpan.FromSeconds(40));
    }

    [Fact]
    public void UnknownKeysAreRefusedNamingTheSetting()
    {
        using var client = new GrainLimiterClient(new GrainLimiterClientOptions { Endpoints = [new Uri("http://127.0.0.1:1")] });
        var throttle = new OutboundThrottle(client, new OutboundThrottleOptions { Keys = { ["known"] = "roomy" } });

        var error = Assert.Throws<ArgumentException>(() => throttle.WaitAsync("unknown").GetAwaiter().GetResult());

        Assert.Contains("GrainLimiter:Throttle:Keys", error.Message, StringComparison.Ordinal);
    }

    private static Task<RunningSilo> StartSiloAsync(SleepersClock clock) =>
        RunningSilo.StartAsync(TestPolicies.Yaml, configure: builder => builder.Services.AddSingleton(clock.ForSilo));

    private static GrainLimiterClient NewClient(RunningSilo silo) =>
        new(new GrainLimiterClientOptions { Endpoints = [silo.GrpcAddress], Deadline = TimeSpan.FromSeconds(5) });

    /// <summary>Eight workers, each its own client and throttle (as separate processes would be), take the jobs in turn.</summary>
    private static async Task<List<DateTimeOffset>> RunWorkersAsync(RunningSilo silo, SleepersClock clock, Func<OutboundThrottle, int, Task>? onStart)
    {
        var jobs = new ConcurrentQueue<int>(Enumerable.Range(0, Jobs));
        var starts = new List<DateTimeOffset>();
        var workers = Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
        {
            using var client = NewClient(silo);
            var throttle = new OutboundThrottle(
                client, new OutboundThrottleOptions { Keys = { [Key] = "image-api" }, MaxWait = TimeSpan.FromMinutes(10) }, clock);
            while (jobs.TryDequeue(out _))
            {
                await throttle.WaitAsync(Key);
                int count;
                lock (starts)
                {
                    starts.Add(clock.GetUtcNow());
                    count = starts.Count;
                }

                if (onStart is not null)
                {
                    await onStart(throttle, count);
                }
            }
        })).ToArray();

        var realTime = Stopwatch.StartNew();
        while (workers.Any(static w => !w.IsCompleted))
        {
            Assert.True(realTime.Elapsed < TimeSpan.FromSeconds(60), $"workers stuck at {clock.GetUtcNow():T} with {starts.Count} jobs started");
            var running = workers.Count(static w => !w.IsCompleted);
            // Every running worker sleeps on the clock: nothing else can happen until it moves.
            if (clock.Sleepers >= running && clock.NextDue is { } next)
            {
                clock.SetUtcNow(next);
            }
            else
            {
                await Task.Delay(1);
            }
        }

        await Task.WhenAll(workers);
        lock (starts)
        {
            starts.Sort();
            return starts;
        }
    }

    private static void AssertAtMostThirtyPerMinute(List<DateTimeOffset> sortedStarts)
    {
        for (var i = 0; i + 30 < sortedStarts.Count; i++)
        {
            Assert.True(sortedStarts[i + 30] - sortedStarts[i] >= Window,
                $"31 starts within {sortedStarts[i + 30] - sortedStarts[i]} from {sortedStarts[i]:T}");
        }
    }
}
