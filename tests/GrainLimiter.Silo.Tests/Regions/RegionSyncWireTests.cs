using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using GrainLimiter.Protocol.Region.V1;
using GrainLimiter.Silo.Tests.Fixtures;
using Grpc.Core;
using Grpc.Net.Client;

namespace GrainLimiter.Silo.Tests.Regions;

/// <summary>Two regions (eu, us) on loopback; these tests push to eu's RegionSync as us would, and as an attacker would.</summary>
public sealed class TwoRegionsFixture : IAsyncLifetime
{
    public const string Policies = """
        policies:
          - name: plan
            scope: global
            limits:
              - { algorithm: fixed_window, limit: 1000, window: 1d }
          - name: local
            limits:
              - { algorithm: fixed_window, limit: 10, window: 1d }
        """;

    /// <summary>The window of both policies: the tests push counts for the current one.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromDays(1);

    public const int MaxMessageBytes = 64 * 1024;

    public RegionClusters Clusters { get; private set; } = null!;

    public SiloProcess Eu => Clusters.Regions[0].Silos[0]!;

    public SiloProcess Us => Clusters.Regions[1].Silos[0]!;

    public GrpcChannel EuChannel { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // Every test of the class pushes to the current window; the class takes well under ten minutes.
        await WindowRoom.AwaitAsync(Window, TimeSpan.FromMinutes(10));
        Clusters = await RegionClusters.StartAsync(Policies, [1, 1], TimeSpan.FromMilliseconds(100),
            new Dictionary<string, string>
            {
                ["GrainLimiter__Regions__MaxMessageBytes"] = MaxMessageBytes.ToString(System.Globalization.CultureInfo.InvariantCulture)
            });
        EuChannel = GrpcChannel.ForAddress(Clusters.Regions[0].GrpcUrl);
    }

    public async Task DisposeAsync()
    {
        EuChannel.Dispose();
        await Clusters.DisposeAsync();
    }
}

[Collection(SiloProcessCollection.Name)]
public sealed class RegionSyncWireTests(TwoRegionsFixture regions) : IClassFixture<TwoRegionsFixture>
{
    private static readonly Metadata Authenticated = new() { { "x-grainlimiter-region-secret", RegionClusters.Secret } };

    private RegionSync.RegionSyncClient Client => new(regions.EuChannel);

    private static long CurrentWindow
    {
        get
        {
            var now = DateTime.UtcNow.Ticks;
            return now - ((now - DateTime.UnixEpoch.Ticks) % TwoRegionsFixture.Window.Ticks);
        }
    }

    private static PushRequest Push(string key, long count, long window = 0, long epoch = 0, string policy = "plan", string region = "us") => new()
    {
        Region = "us",
        Keys = { new KeyCounts { Policy = policy, Key = key, Epoch = epoch,
            Counts = { new WindowCount { Limit = 0, Window = window == 0 ? CurrentWindow : window, Region = region, Count = count } } } },
    };

    [Fact]
    public async Task DuplicateReorderedAndStalePushesChangeNothing()
    {
        var key = $"dup-{Guid.NewGuid():N}";
        await Client.PushAsync(Push(key, 5), Authenticated);
        Assert.Equal(995, await RegionClusters.RemainingAsync(regions.Eu, "plan", key));

        await Client.PushAsync(Push(key, 5), Authenticated);
        await Client.PushAsync(Push(key, 3), Authenticated);
        await Client.PushAsync(Push(key, 9, window: CurrentWindow - (2 * TwoRegionsFixture.Window.Ticks)), Authenticated);
        Assert.Equal(995, await RegionClusters.RemainingAsync(regions.Eu, "plan", key));

        // Reordered: 7 overtakes 6; the later-sent lower count is stale.
        await Client.PushAsync(Push(key, 7), Authenticated);
        await Client.PushAsync(Push(key, 6), Authenticated);
        Assert.Equal(993, await RegionClusters.RemainingAsync(regions.Eu, "plan", key));
    }

    [Fact]
    public async Task AResetInOneRegionResetsTheKeyInEveryRegion()
    {
        var key = $"reset-{Guid.NewGuid():N}";
        for (var i = 0; i < 10; i++)
        {
            (await regions.Eu.Http.CheckAsync("plan", key)).Dispose();
            (await regions.Us.Http.CheckAsync("plan", key)).Dispose();
        }

        await regions.Clusters.ConvergedRemainingAsync("plan", key, TimeSpan.FromSeconds(10), expected: 980);

        using var reset = new HttpRequestMessage(HttpMethod.Post, "/admin/v1/reset") { Content = JsonContent.Create(new { policy = "plan", key }) };
        reset.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SiloProcess.AdminToken);
        using var response = await regions.Us.Http.SendAsync(reset);
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);

        await regions.Clusters.ConvergedRemainingAsync("plan", key, TimeSpan.FromSeconds(10), expected: 1000);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-secret-0123456789")]
    [InlineData("")]
    public async Task APushWithoutTheRegionSecretIsUnauthenticated(string? secret)
    {
        var metadata = secret is null ? [] : new Metadata { { "x-grainlimiter-region-secret", secret } };
        var key = $"auth-{Guid.NewGuid():N}";

        var error = await Assert.ThrowsAsync<RpcException>(async () => await Client.PushAsync(Push(key, 500), metadata));

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Equal(1000, await RegionClusters.RemainingAsync(regions.Eu, "plan", key));
    }

    public static TheoryData<string, PushRequest, string> BadPushes => new()
    {
        { "region", new PushRequest { Region = "mars", Keys = { Push("k", 1).Keys } }, "region: 'mars' is not a peer region" },
        { "own region", new PushRequest { Region = "eu", Keys = { Push("k", 1).Keys } }, "region: 'eu' is not a peer region" },
        { "policy", Push("k", 1, policy: "nope"), "keys[0].policy: 'nope' is not a global policy" },
        { "regional policy", Push("k", 1, policy: "local"), "keys[0].policy: 'local' is not a global policy" },
        { "key", Push("", 1), "keys[0].key: must be 1 to" },
        { "count region", Push("k", 1, region: "mars"), "keys[0].counts[0].region: 'mars' is not a configured region" },
        { "count", Push("k", -1), "keys[0].counts[0].count: must be from 0" },
        { "epoch", Push("k", 1, epoch: -1), "keys[0].epoch: must not be negative" },
        { "window", Push("k", 1, window: -5), "keys[0].counts[0].window: must be UTC ticks" },
        { "limit", new PushRequest { Region = "us", Keys = { new KeyCounts { Policy = "plan", Key = "k",
            Counts = { new WindowCount { Limit = 3, Window = 1, Region = "us", Count = 1 } } } } },
            "keys[0].counts[0].limit: 3 is not a limit" },
    };

    [Theory]
    [MemberData(nameof(BadPushes))]
    public async Task ABadPushIsInvalidArgumentNamingTheField(string what, PushRequest push, string message)
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () => await Client.PushAsync(push, Authenticated));

        Assert.True(error.StatusCode == StatusCode.InvalidArgument, $"{what}: {error.Status}");
        Assert.Contains(message, error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMalformedPushIsInvalidArgument()
    {
        var raw = new Method<byte[], byte[]>(MethodType.Unary, "grainlimiter.region.v1.RegionSync", "Push",
            Marshallers.Create(static b => b, static b => b), Marshallers.Create(static b => b, static b => b));

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await regions.EuChannel.CreateCallInvoker().AsyncUnaryCall(raw, null, new CallOptions(Authenticated), [0x12, 0xFF, 0xFF, 0xFF, 0x0F]));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    [Fact]
    public async Task AnOversizedPushOrOneWithTooManyKeysIsResourceExhausted()
    {
        var oversized = await Assert.ThrowsAsync<RpcException>(async () =>
            await Client.PushAsync(Push(new string('k', TwoRegionsFixture.MaxMessageBytes), 1), Authenticated));
        Assert.Equal(StatusCode.ResourceExhausted, oversized.StatusCode);

        var many = new PushRequest { Region = "us" };
        many.Keys.Add(Enumerable.Range(0, 1001).Select(i => Push($"m{i}", 1).Keys[0]));
        var tooMany = await Assert.ThrowsAsync<RpcException>(async () => await Client.PushAsync(many, Authenticated));
        Assert.Equal(StatusCode.ResourceExhausted, tooMany.StatusCode);
        Assert.Contains("at most 1000", tooMany.Status.Detail, StringComparison.Ordinal);
    }
}
