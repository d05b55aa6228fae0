using GrainLimiter.Grains;
using GrainLimiter.Grains.Persistence;
using GrainLimiter.Silo.Storage;
using Orleans.Storage;

namespace GrainLimiter.Silo.Tests.Storage;

/// <summary>The single silo's in-memory storage keeps Orleans' ETag contract: a stale writer is refused, never applied.</summary>
public sealed class InProcessGrainStorageTests
{
    private readonly InProcessGrainStorage _storage = new();
    private readonly GrainId _id = GrainId.Create("limit", "k");

    [Fact]
    public async Task AWrittenStateIsReadBackWithItsETag()
    {
        var first = State([1, 2]);
        await _storage.WriteStateAsync(LimitGrainOptions.StateName, _id, first);

        var read = State(null);
        await _storage.ReadStateAsync(LimitGrainOptions.StateName, _id, read);

        Assert.True(read.RecordExists);
        Assert.Equal(first.ETag, read.ETag);
        Assert.Equal([1, 2], read.State!.Data);
    }

    [Fact]
    public async Task AWriteWithAStaleETagIsRefusedAndTheNewerStateKept()
    {
        var mine = State([1]);
        await _storage.WriteStateAsync(LimitGrainOptions.StateName, _id, mine);
        var other = State(null);
        await _storage.ReadStateAsync(LimitGrainOptions.StateName, _id, other);
        other.State = new LimitGrainState { Data = [9] };
        await _storage.WriteStateAsync(LimitGrainOptions.StateName, _id, other);

        mine.State = new LimitGrainState { Data = [2] };
        await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync(LimitGrainOptions.StateName, _id, mine));
        await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.ClearStateAsync(LimitGrainOptions.StateName, _id, mine));
        // A first write (no ETag) over an existing record is stale too.
        await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync(LimitGrainOptions.StateName, _id, State([3])));

        var read = State(null);
        await _storage.ReadStateAsync(LimitGrainOptions.StateName, _id, read);
        Assert.Equal([9], read.State!.Data);
    }

    [Fact]
    public async Task ClearingDeletesTheRecord()
    {
        var state = State([1]);
        await _storage.WriteStateAsync(LimitGrainOptions.StateName, _id, state);

        await _storage.ClearStateAsync(LimitGrainOptions.StateName, _id, state);

        var read = State(null);
        await _storage.ReadStateAsync(LimitGrainOptions.StateName, _id, read);
        Assert.False(read.RecordExists);
        Assert.Null(read.ETag);
        Assert.Null(read.State!.Data);
    }

    private static GrainState<LimitGrainState> State(byte[]? data) => new(new LimitGrainState { Data = data });
}
