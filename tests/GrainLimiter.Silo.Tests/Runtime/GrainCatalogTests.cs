using GrainLimiter.Grains;
using GrainLimiter.Policies;
using GrainLimiter.Silo.Runtime;
using GrainLimiter.Silo.Storage;
using GrainLimiter.Storage;
using GrainLimiter.Tests;
using Microsoft.Extensions.Logging.Abstractions;

namespace GrainLimiter.Silo.Tests.Runtime;

public sealed class GrainCatalogTests
{
    private readonly FakeTimeProvider _time = new();

    private static CompiledPolicy Policy(FailureMode failureMode = FailureMode.Open) => new(new PolicyDefinition
    {
        Name = "p",
        FailureMode = failureMode,
        Limits = [new LimitSpec { Algorithm = LimitAlgorithmKind.FixedWindow, Limit = 10, Window = TimeSpan.FromHours(1) }],
    });

    [Fact]
    public async Task ActiveGrainsNeverExceedTheCap()
    {
        var catalog = new GrainCatalog(new MemoryGrainStateStore(_time), maxActiveGrains: 100, NullLogger<GrainCatalog>.Instance);

        for (var i = 0; i < 1000; i++)
        {
            await AcquireAsync(catalog, $"k{i}", Policy());
        }

        Assert.Equal(100, catalog.ActiveCount);
    }

    [Fact]
    public async Task GrainEvictedBeforeItsStateIsWrittenComesBackWithItsCount()
    {
        var catalog = new GrainCatalog(new MemoryGrainStateStore(_time), maxActiveGrains: 1, NullLogger<GrainCatalog>.Instance);
        var policy = Policy();
        await AcquireAsync(catalog, "a", policy, cost: 5);

        await AcquireAsync(catalog, "b", policy);
        await AcquireAsync(catalog, "c", policy);
        var again = await AcquireAsync(catalog, "a", policy);

        Assert.Equal(4, again.Remaining);
    }

    [Fact]
    public async Task IdleGrainIsDeactivatedAndReloadsFromTheStore()
    {
        var store = new MemoryGrainStateStore(_time);
        var catalog = new GrainCatalog(store, maxActiveGrains: 1000, NullLogger<GrainCatalog>.Instance);
        var policy = Policy();
        await AcquireAsync(catalog, "a", policy, cost: 7);

        catalog.DeactivateIdle();
        catalog.DeactivateIdle();
        var written = await catalog.FlushAsync(_time.UtcTicks, 100, CancellationToken.None);
        var again = await AcquireAsync(catalog, "a", policy);

        Assert.Equal(1, written);
        Assert.Equal(1, store.Count);
        Assert.Equal(2, again.Remaining);
    }

    [Fact]
    public async Task ResetStateIsDeletedFromTheStore()
    {
        var store = new MemoryGrainStateStore(_time);
        var catalog = new GrainCatalog(store, maxActiveGrains: 1000, NullLogger<GrainCatalog>.Instance);
        var policy = Policy();
        await AcquireAsync(catalog, "a", policy);
        await catalog.FlushAsync(_time.UtcTicks, 100, CancellationToken.None);

        await catalog.RunAsync(new GrainId("p", "a"), policy, GrainOperation.Reset, _time.UtcTicks);
        await catalog.FlushAsync(_time.UtcTicks, 100, CancellationToken.None);

        Assert.Equal(0, store.Count);
    }

    [Fact]
    public async Task RacingCallersActivateAGrainOnceAndStayExact()
    {
        var store = new GatedStore();
        var catalog = new GrainCatalog(store, maxActiveGrains: 1000, NullLogger<GrainCatalog>.Instance);
        var policy = Policy();

        var calls = Enumerable.Range(0, 50).Select(_ => AcquireAsync(catalog, "hot", policy)).ToList();
        store.Open.SetResult();
        var decisions = await Task.WhenAll(calls);

        Assert.Equal(1, store.Loads);
        Assert.Equal(10, decisions.Count(d => d.Allowed));
    }

    [Fact]
    public async Task FailClosedPolicyDeniesWhenTheStoreCannotLoad()
    {
        var catalog = new GrainCatalog(new GatedStore { FailLoads = true }, maxActiveGrains: 10, NullLogger<GrainCatalog>.Instance);

        await Assert.ThrowsAsync<StoreUnavailableException>(() => AcquireAsync(catalog, "a", Policy(FailureMode.Closed)));
        Assert.Equal(0, catalog.ActiveCount);
    }

    [Fact]
    public async Task FailOpenPolicyStartsFreshAndCountsIt()
    {
        var catalog = new GrainCatalog(new GatedStore { FailLoads = true }, maxActiveGrains: 10, NullLogger<GrainCatalog>.Instance);

        var decision = await AcquireAsync(catalog, "a", Policy(FailureMode.Open));

        Assert.True(decision.Allowed);
        Assert.Equal(1, catalog.ProvisionalActivations);
    }

    [Fact]
    public async Task StatesWhoseWriteFailedAreWrittenByTheNextFlush()
    {
        var store = new GatedStore { FailWrites = true };
        store.Open.SetResult();
        var catalog = new GrainCatalog(store, maxActiveGrains: 10, NullLogger<GrainCatalog>.Instance);
        await AcquireAsync(catalog, "a", Policy());
        await AcquireAsync(catalog, "b", Policy());

        await Assert.ThrowsAsync<IOException>(() => catalog.FlushAsync(_time.UtcTicks, 100, CancellationToken.None));
        store.FailWrites = false;
        var written = await catalog.FlushAsync(_time.UtcTicks, 100, CancellationToken.None);

        Assert.Equal(2, written);
        Assert.Equal(2, store.Written);
    }

    private Task<GrainLimiter.Decisions.LimitDecision> AcquireAsync(GrainCatalog catalog, string key, CompiledPolicy policy, long cost = 1) =>
        catalog.RunAsync(new GrainId(policy.Name, key), policy, GrainOperation.Acquire, _time.UtcTicks, cost).AsTask();

    /// <summary>A store whose loads wait for a gate, and which can be told to fail: for activation races and failure modes.</summary>
    private sealed class GatedStore : IGrainStateStore
    {
        private int _loads;
        private int _written;

        public TaskCompletionSource Open { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public bool FailLoads { get; init; }
        public bool FailWrites { get; set; }
        public int Loads => _loads;
        public int Written => _written;

        public async ValueTask<byte[]?> LoadAsync(GrainId id, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _loads);
            if (FailLoads)
            {
                throw new IOException("store down");
            }

            await Open.Task;
            return null;
        }

        public ValueTask WriteAsync(IReadOnlyList<GrainStateWrite> writes, CancellationToken cancellationToken)
        {
            if (FailWrites)
            {
                throw new IOException("store down");
            }

            Interlocked.Add(ref _written, writes.Count);
            return ValueTask.CompletedTask;
        }

        public ValueTask DeleteAsync(GrainId id, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
