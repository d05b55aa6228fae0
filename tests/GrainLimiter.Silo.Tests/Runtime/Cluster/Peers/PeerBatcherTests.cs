using System.Collections.Concurrent;
using GrainLimiter.Silo.Runtime.Cluster.Peers;
using GrainLimiter.Silo.Tests.Fixtures;
using GrainLimiter.Tests;

namespace GrainLimiter.Silo.Tests.Runtime.Cluster.Peers;

public sealed class PeerBatcherTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task BatchLeavesAsSoonAsItHoldsBatchSizeItems()
    {
        var time = new ManualClock();
        var sent = new BlockingCollection<IReadOnlyList<int>>();
        await using var batcher = new PeerBatcher<int>(3, TimeSpan.FromHours(1), 100, 4, b => { sent.Add(b.ToArray()); return Task.CompletedTask; }, time);

        for (var i = 0; i < 3; i++)
        {
            Assert.True(batcher.TryEnqueue(i));
        }

        Assert.True(sent.TryTake(out var batch, Wait));
        Assert.Equal([0, 1, 2], batch);
    }

    [Fact]
    public async Task PartialBatchLeavesWhenTheDelayPassesAndNotBefore()
    {
        var time = new ManualClock();
        var sent = new BlockingCollection<IReadOnlyList<int>>();
        await using var batcher = new PeerBatcher<int>(1000, TimeSpan.FromMicroseconds(500), 100, 4, b => { sent.Add(b.ToArray()); return Task.CompletedTask; }, time);

        Assert.True(batcher.TryEnqueue(7));
        Assert.True(batcher.TryEnqueue(8));
        // The batcher has picked the items up and is waiting on the delay timer.
        await Eventually.TrueAsync(() => Task.FromResult(batcher.Queued == 0), Wait, "the batcher took the items");
        Assert.False(sent.TryTake(out _, TimeSpan.FromMilliseconds(100)));

        time.AdvanceTo(time.GetUtcNow() + TimeSpan.FromMicroseconds(499));
        Assert.False(sent.TryTake(out _, TimeSpan.FromMilliseconds(50)));
        time.AdvanceTo(time.GetUtcNow() + TimeSpan.FromMicroseconds(1));
        Assert.True(sent.TryTake(out var batch, Wait));
        Assert.Equal([7, 8], batch);
    }

    [Fact]
    public async Task QueueRefusesOnceFullWhileThePeerHoldsEveryBatchInFlight()
    {
        var time = new ManualClock();
        var release = new TaskCompletionSource();
        var sending = 0;
        await using var batcher = new PeerBatcher<int>(2, TimeSpan.Zero, capacity: 4, maxInFlight: 1, async b =>
        {
            Interlocked.Add(ref sending, b.Count);
            await release.Task;
        }, time);

        Assert.True(batcher.TryEnqueue(1));
        Assert.True(batcher.TryEnqueue(2));
        await Eventually.TrueAsync(() => Task.FromResult(Volatile.Read(ref sending) == 2), Wait, "the first batch is in flight");
        // The one batch allowed in flight never completes: the next items wait, up to the capacity, then are refused.
        for (var i = 0; i < 4; i++)
        {
            Assert.True(batcher.TryEnqueue(10 + i));
        }

        Assert.False(batcher.TryEnqueue(99));
        Assert.Equal(4, batcher.Queued);
        Assert.Equal(2, batcher.Sending);

        release.SetResult();
        await Eventually.TrueAsync(() => Task.FromResult(batcher.Queued == 0 && batcher.Sending == 0), Wait, "the queue drains once the peer answers");
        Assert.True(batcher.TryEnqueue(100));
    }
}
