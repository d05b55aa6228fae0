using System.Net;
using GrainLimiter.Grains;
using GrainLimiter.Grains.Persistence;
using GrainLimiter.Silo.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace GrainLimiter.Silo.Tests.Storage;

/// <summary>A single silo's in-memory store is written as grains deactivate, not behind every turn, and loses no count;
/// an operator's change is still written before its call answers.</summary>
public sealed class SingleSiloMemoryWriteTests : IAsyncLifetime
{
    private RunningSilo _silo = null!;

    private IGrainFactory Grains => _silo.Get<IGrainFactory>();

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
        Assert.False(await IsStoredAsync(key));

        // Deactivation writes the 9 counts; the next activation reads them: one more is admitted, then none.
        await Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        Assert.True(await IsStoredAsync(key));
        Assert.Equal(HttpStatusCode.OK, (await _silo.Http.CheckAsync("ten-per-minute", key)).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await _silo.Http.CheckAsync("ten-per-minute", key)).StatusCode);
    }

    [Fact]
    public async Task AnOverrideIsStoredBeforeItsCallAnswers()
    {
        const string key = "memory-override";
        await Grain(key).SetOverrideAsync(new KeyOverride([new LimitOverride("ten-per-minute", 20, null)]));

        Assert.True(await IsStoredAsync(key));
    }

    private ILimitGrain Grain(string key) => Grains.GetGrain<ILimitGrain>(LimitGrainKey.Encode("ten-per-minute", key));

    private async Task<bool> IsStoredAsync(string key)
    {
        var storage = _silo.Services.GetRequiredKeyedService<IGrainStorage>(LimitGrainOptions.StorageName);
        var stored = new GrainState<LimitGrainState>(new LimitGrainState());
        await storage.ReadStateAsync(LimitGrainOptions.StateName, Grain(key).GetGrainId(), stored);
        return stored.RecordExists;
    }
}
