using GrainLimiter.Grains;
using GrainLimiter.Grains.Persistence;
using GrainLimiter.Silo.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Storage;

namespace GrainLimiter.Silo.Tests.Grains.Persistence;

/// <summary>The silo's write-behind on its own: batched flushes, coalescing, retries, conflicts, deletes.</summary>
public sealed class LimitStateWriterTests : IAsyncLifetime
{
    private readonly SharedTestStorage _storage = new();
    private readonly LimitGrainCounters _counters = new();
    private readonly LimitStateWriter _writer;

    public LimitStateWriterTests()
    {
        var services = new ServiceCollection().AddKeyedSingleton<IGrainStorage>(LimitGrainOptions.StorageName, _storage).BuildServiceProvider();
        var options = Options.Create(new LimitGrainOptions { FlushInterval = TimeSpan.FromMilliseconds(50) });
        _writer = new LimitStateWriter(services, options, TimeProvider.System, _counters, NullLogger<LimitStateWriter>.Instance);
    }

    [Fact]
    public async Task ThousandsOfChangedGrainsAreWrittenByOneFlushAndRepeatedChangesCoalesce()
    {
        var records = Enumerable.Range(0, 10_000).Select(i => Record($"many:{i}")).ToArray();
        foreach (var record in records)
        {
            record.Offer([1]);
            record.Offer([2]);
        }

        Assert.Equal(records.Length, _writer.Queued);

        await _writer.FlushAsync();

        Assert.Equal(records.Length, _storage.Writes);
        Assert.Equal(0, _writer.Queued);
        Assert.All(records, r => Assert.True(_storage.TryGet(r.Id, out var data) && data is [2]));
        // Nothing changed since: the next flush writes nothing.
        await _writer.FlushAsync();
        Assert.Equal(records.Length, _storage.Writes);
    }

    [Fact]
    public async Task TheRunningWriterWritesAChangeWithinAboutOneFlushInterval()
    {
        var records = Enumerable.Range(0, 1000).Select(i => Record($"loop:{i}")).ToArray();
        await _writer.Start();

        foreach (var record in records)
        {
            record.Offer([7]);
        }

        await Eventually.TrueAsync(() => Task.FromResult(records.All(r => _storage.TryGet(r.Id, out _))), TimeSpan.FromSeconds(10), "every state is written");
    }

    [Fact]
    public async Task AFailedWriteStaysPendingAndIsWrittenAtTheNextFlush()
    {
        var record = Record("retry");
        record.Offer([1]);
        _storage.FailWrites = true;

        await _writer.FlushAsync();

        Assert.False(_storage.TryGet(record.Id, out _));
        Assert.Equal(1, _counters.FailedStateWrites);
        Assert.Equal(1, _writer.Queued);

        _storage.FailWrites = false;
        await _writer.FlushAsync();

        Assert.True(_storage.TryGet(record.Id, out var data));
        Assert.Equal([1], data);
    }

    [Fact]
    public async Task ANewerChangeWinsOverAFailedOne()
    {
        var record = Record("newer");
        record.Offer([1]);
        _storage.FailWrites = true;
        await _writer.FlushAsync();
        record.Offer([2]);
        _storage.FailWrites = false;

        await _writer.FlushAsync();

        Assert.True(_storage.TryGet(record.Id, out var data));
        Assert.Equal([2], data);
        Assert.Equal(0, _writer.Queued);
    }

    [Fact]
    public async Task AConflictIsHandedToTheGrainAndTheOtherActivationsStateIsNeverOverwritten()
    {
        var owner = new ConflictCount();
        var record = Record("conflict", owner);
        record.Offer([1]);
        await _writer.FlushAsync();
        _storage.WriteAsAnotherActivation(record.Id, [9]);

        record.Offer([2]);
        await _writer.FlushAsync();
        record.Offer([3]);
        await _writer.FlushAsync();

        Assert.Equal(1, owner.Conflicts);
        Assert.Equal(1, _counters.StateConflicts);
        Assert.True(record.Conflicted);
        Assert.True(_storage.TryGet(record.Id, out var data));
        Assert.Equal([9], data);
    }

    [Fact]
    public async Task AConflictWithTheRecordsOwnWriteThatSeemedToFailIsToldApartFromAnotherActivations()
    {
        var owner = new ConflictCount();
        var record = Record("own", owner);
        record.Offer([1]);
        await _writer.FlushAsync();
        _storage.LoseWriteReplies = true;
        record.Offer([2]);
        await _writer.FlushAsync();
        _storage.LoseWriteReplies = false;

        // The store runs again: the pending snapshot meets the ETag of [2], which it wrote itself.
        record.Offer([3]);
        await _writer.FlushAsync();
        Assert.Equal(1, owner.Conflicts);
        await _storage.ReadStateAsync(LimitGrainOptions.StateName, record.Id, record.Stored);
        Assert.True(record.StoredIsOwnUnconfirmedWrite());

        // Once reopened, the next snapshot is written over it.
        record.Reopen();
        record.Offer([4]);
        await _writer.FlushAsync();
        Assert.True(_storage.TryGet(record.Id, out var data));
        Assert.Equal([4], data);

        // Another activation's write is never taken for its own.
        _storage.LoseWriteReplies = true;
        record.Offer([5]);
        await _writer.FlushAsync();
        _storage.LoseWriteReplies = false;
        _storage.WriteAsAnotherActivation(record.Id, [9]);
        record.Offer([6]);
        await _writer.FlushAsync();
        await _storage.ReadStateAsync(LimitGrainOptions.StateName, record.Id, record.Stored);
        Assert.Equal(2, owner.Conflicts);
        Assert.False(record.StoredIsOwnUnconfirmedWrite());
    }

    [Fact]
    public async Task AStateEqualToAFreshOneIsDeleted()
    {
        var record = Record("fresh");
        record.Offer([1]);
        await _writer.FlushAsync();
        Assert.True(_storage.TryGet(record.Id, out _));

        record.Offer(null);
        await _writer.FlushAsync();

        Assert.False(_storage.TryGet(record.Id, out _));
    }

    [Fact]
    public async Task AClosedRecordIsLeftToTheGrainWithWhatItHadNotWrittenYet()
    {
        var record = Record("closed");
        record.Offer([1]);

        Assert.True(await record.CloseAsync());
        await _writer.FlushAsync();

        Assert.False(_storage.TryGet(record.Id, out _));
        Assert.False(await record.CloseAsync());
    }

    private LimitStateRecord Record(string key, ILimitStateOwner? owner = null) =>
        new(GrainId.Create("limit", key), owner ?? new ConflictCount(), _writer);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _writer.DisposeAsync().AsTask();

    private sealed class ConflictCount : ILimitStateOwner
    {
        public int Conflicts { get; private set; }

        public void OnStateConflict() => Conflicts++;
    }
}
