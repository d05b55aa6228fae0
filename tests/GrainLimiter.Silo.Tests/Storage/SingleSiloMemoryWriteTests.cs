using System.Net;
using GrainLimiter.Grains;
using GrainLimiter.Silo.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace GrainLimiter.Silo.Tests.Storage;

/// <summary>A single silo's in-memory store is written as grains deactivate, not behind every turn, and loses no count.</summary>
public sealed class SingleSiloMemoryWriteTests : IAsyncLifetime
{
    private RunningSilo _silo = null!;

    public async Task InitializeAsync() => _silo = await RunningSilo.StartAsync(HttpSiloFixture.Policies);

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task NoFlushWritesAChangedStateAndDeactivationWritesItSoTheCountCarriesOver()
    {
        const string key = "memory-writes";
        for (var i = 0; i < 9; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await _silo.Http.CheckAsync("ten-per-minute", key)).StatusCode);
        }

        // A flush finds nothing queued: no turn offered a snapshot.
        var writer = _silo.Get<LimitStateWriter>();
        Assert.Equal(0, writer.Queued);
        await writer.FlushAsync();
        var grains = _silo.Get<IGrainFactory>();
        var storage = _silo.Services.GetRequiredKeyedService<IGrainStorage>(LimitGrainOptions.StorageName);
        var id = grains.GetGrain<ILimitGrain>(LimitGrainKey.Encode("ten-per-minute", key)).GetGrainId();
        var stored = new GrainState<LimitGrainState>(new LimitGrainState());
        await storage.ReadStateAsync(LimitGrainOptions.StateName, id, stored);
        Assert.False(stored.RecordExists);

        // Deactivation writes the 9 counts; the next activation reads them: one more is admitted, then none.
        await grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        await storage.ReadStateAsync(LimitGrainOptions.StateName, id, stored);
        Assert.True(stored.RecordExists);
        Assert.Equal(HttpStatusCode.OK, (await _silo.Http.CheckAsync("ten-per-minute", key)).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await _silo.Http.CheckAsync("ten-per-minute", key)).StatusCode);
    }
}
