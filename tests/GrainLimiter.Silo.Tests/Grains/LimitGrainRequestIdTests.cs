using GrainLimiter.Grains;
using GrainLimiter.Policies;
using GrainLimiter.Silo.Hosting;
using GrainLimiter.Silo.Observability;
using GrainLimiter.Silo.Policies;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;
using SiloOptions = GrainLimiter.Silo.Config.SiloOptions;

namespace GrainLimiter.Silo.Tests.Grains;

/// <summary>A key's grain and the request ids of checks (<see cref="ILimitGrain.AcquireOnceAsync"/>): a repeated id is answered as the
/// first time and charged once, within the window and the bound of ids per key; the grains' clock is a fake one.</summary>
public sealed class LimitGrainRequestIdTests(RequestIdGrainSilo silo) : IClassFixture<RequestIdGrainSilo>
{
    [Fact]
    public async Task TheSameIdTwiceIsChargedOnceAndAnsweredTheSame()
    {
        var grain = silo.Grain(RequestIdGrainSilo.UniqueKey());

        var first = await grain.AcquireOnceAsync("retry-1", [1]);
        var again = await grain.AcquireOnceAsync("retry-1", [1]);

        Assert.True(first[0].Charged);
        Assert.Equal(first[0].Decision, again[0].Decision);
        Assert.Equal(1, await UsedAsync(grain));
    }

    [Fact]
    public async Task AfterTheWindowTheSameIdIsChargedAgain()
    {
        var grain = silo.Grain(RequestIdGrainSilo.UniqueKey());
        await grain.AcquireOnceAsync("late-retry", [1]);

        silo.Time.Advance(RequestIdGrainSilo.Window);
        var afterWindow = await grain.AcquireOnceAsync("late-retry", [1]);

        Assert.True(afterWindow[0].Charged);
        Assert.Equal(2, await UsedAsync(grain));
    }

    [Fact]
    public async Task DifferentIdsAreChargedEachTime()
    {
        var grain = silo.Grain(RequestIdGrainSilo.UniqueKey());

        await grain.AcquireOnceAsync("a", [1]);
        await grain.AcquireOnceAsync("b", [1]);

        Assert.Equal(2, await UsedAsync(grain));
    }

    [Fact]
    public async Task BeyondMaxRequestIdsPerKeyTheOldestIdIsForgottenFirst()
    {
        var grain = silo.Grain(RequestIdGrainSilo.UniqueKey());
        for (var i = 0; i <= RequestIdGrainSilo.MaxIdsPerKey; i++)
        {
            await grain.AcquireOnceAsync($"id-{i}", [1]);
        }

        // id-0 was pushed out by the last one; id-1 is still remembered.
        await grain.AcquireOnceAsync("id-1", [1]);
        Assert.Equal(RequestIdGrainSilo.MaxIdsPerKey + 1, await UsedAsync(grain));
        await grain.AcquireOnceAsync("id-0", [1]);
        Assert.Equal(RequestIdGrainSilo.MaxIdsPerKey + 2, await UsedAsync(grain));
    }

    [Fact]
    public async Task ADeniedIdIsAnsweredDeniedAgainEvenOnceTheKeyHasRoom()
    {
        var grain = silo.Grain(RequestIdGrainSilo.UniqueKey());
        await grain.AcquireOnceAsync("fill", [RequestIdGrainSilo.Limit]);
        var denied = await grain.AcquireOnceAsync("denied", [1]);
        await grain.ResetAsync();

        var again = await grain.AcquireOnceAsync("denied", [1]);

        Assert.False(denied[0].Decision.Allowed);
        Assert.Equal(denied[0], again[0]);
        Assert.Equal(0, await UsedAsync(grain));
    }

    [Fact]
    public async Task ARefundByIdCreditsItsChargeOnceAndARetryAfterItIsChargedAfresh()
    {
        var grain = silo.Grain(RequestIdGrainSilo.UniqueKey());
        await grain.AcquireOnceAsync("undone", [2, 3]);

        // The first attempt's front and a retry's front both undo the denied check: credited once between them.
        await grain.RefundOnceAsync("undone");
        await grain.RefundOnceAsync("undone");
        Assert.Equal(0, await UsedAsync(grain));

        var retried = await grain.AcquireOnceAsync("undone", [2, 3]);
        Assert.All(retried, static a => Assert.True(a.Charged));
        Assert.Equal(5, await UsedAsync(grain));
    }

    [Fact]
    public async Task AnIdReusedForOtherCostsIsDecidedAsANewCheck()
    {
        var grain = silo.Grain(RequestIdGrainSilo.UniqueKey());
        await grain.AcquireOnceAsync("reused", [1]);

        var other = await grain.AcquireOnceAsync("reused", [4]);

        Assert.True(other[0].Charged);
        Assert.Equal(5, await UsedAsync(grain));
        // The first check's answer is still the id's.
        await grain.AcquireOnceAsync("reused", [1]);
        Assert.Equal(5, await UsedAsync(grain));
    }

    [Fact]
    public async Task AGrainThatMovesForgetsItsIdsAndARetryIsChargedAgain()
    {
        var grain = silo.Grain(RequestIdGrainSilo.UniqueKey());
        await grain.AcquireOnceAsync("before-move", [1]);

        // A graceful deactivation writes the count; the ids are not part of the state.
        await silo.DeactivateAsync(grain);
        await grain.AcquireOnceAsync("before-move", [1]);

        Assert.Equal(2, await UsedAsync(grain));
    }

    private static async Task<long> UsedAsync(ILimitGrain grain) => (await grain.InspectAsync()).Limits[0].Used;
}

/// <summary>One Orleans silo in this process whose limit grains run on a fake clock, with a small bound of ids per key.</summary>
public sealed class RequestIdGrainSilo : IAsyncLifetime
{
    public const int MaxIdsPerKey = 4;
    public const long Limit = 100;
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    private InProcessTestCluster? _cluster;

    public FakeTimeProvider Time { get; } = new();

    public PolicyRegistry Registry { get; } = new([new PolicyDefinition
    {
        Name = "ids",
        Limits = [new LimitSpec { Algorithm = LimitAlgorithmKind.FixedWindow, Limit = Limit, Window = TimeSpan.FromDays(3650) }],
    }]);

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            var options = new SiloOptions { RequestIdWindow = Window, MaxRequestIdsPerKey = MaxIdsPerKey };
            silo.Services.AddSingleton(Registry);
            silo.Services.AddSingleton(TimeProvider.System);
            silo.Services.Configure<SiloOptions>(o =>
            {
                o.RequestIdWindow = options.RequestIdWindow;
                o.MaxRequestIdsPerKey = options.MaxRequestIdsPerKey;
            });
            silo.Services.AddKeyedSingleton<IGrainStorage>(LimitGrainOptions.StorageName, new SharedTestStorage());
            silo.AddLimitGrains(options);
            // Only the limit grains run on the fake clock; Orleans keeps the system's.
            silo.Services.AddSingleton(p => ActivatorUtilities.CreateInstance<LimitGrainServices>(p, (TimeProvider)Time));
            silo.Services.AddMetrics();
            silo.Services.AddSingleton<SiloMetrics>();
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    public ILimitGrain Grain(string key) =>
        _cluster!.Silos[0].ServiceProvider.GetRequiredService<IGrainFactory>().GetGrain<ILimitGrain>(LimitGrainKey.Encode("ids", key));

    /// <summary>Deactivates the key's grain, as when it moves to another silo.</summary>
    public Task DeactivateAsync(ILimitGrain grain) => _cluster!.DeactivateAsync(grain);

    public static string UniqueKey() => $"ids:{Guid.NewGuid():N}";
}
