using System.Security.Cryptography;
using System.Text;
using GrainLimiter.Grains;
using GrainLimiter.Policies;
using GrainLimiter.Protocol.Region.V1;
using GrainLimiter.Silo.Config;
using GrainLimiter.Silo.Checks;
using GrainLimiter.Silo.Policies;
using Grpc.Core;
using Microsoft.Extensions.Options;
using WindowCount = GrainLimiter.Grains.WindowCount;

namespace GrainLimiter.Silo.Regions;

/// <summary><c>grainlimiter.region.v1.RegionSync</c>: takes a peer region's counts and hands each key's to its grain in this region.</summary>
/// <remarks>UNAUTHENTICATED without the region secret; INVALID_ARGUMENT naming the field for a bad item; RESOURCE_EXHAUSTED for too
/// many keys (and, from Grpc.AspNetCore, for a message over <see cref="RegionSyncOptions.MaxMessageBytes"/>).</remarks>
[BindServiceMethod(typeof(RegionSync), nameof(RegionSync.BindService))]
internal sealed class RegionSyncService(
    RegionLink link,
    RegionSyncMetrics metrics,
    PolicyRegistry policies,
    GrainReferenceCache grains,
    IOptions<RegionSyncOptions> options,
    IOptions<SiloOptions> silo)
{
    // Every limit of a policy, two windows of every region: what one key's view can hold.
    private const int MaxCountsPerLimit = 2 * Grains.Algorithms.LimitAlgorithm.MaxRegions;
    private const long MaxCount = 10_000_000_000_000;

    private readonly byte[] _secretHash = SHA256.HashData(Encoding.UTF8.GetBytes(options.Value.Secret ?? ""));
    private readonly Dictionary<string, string> _regions = link.Regions.ToDictionary(static r => r, static r => r, StringComparer.Ordinal);

    public static string ServiceName => RegionSync.Descriptor.FullName;

    public async Task<PushResponse> Push(PushRequest request, ServerCallContext context)
    {
        Authenticate(context);
        if (request.Keys.Count > options.Value.BatchSize)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted,
                $"keys: has {request.Keys.Count} keys; at most {options.Value.BatchSize} are accepted in one push."));
        }

        if (!_regions.ContainsKey(request.Region) || request.Region == link.Region)
        {
            throw Invalid("region", $"'{request.Region}' is not a peer region of '{link.Region}'.");
        }

        var merges = new (ILimitGrain Grain, GlobalCounts Counts)[request.Keys.Count];
        for (var i = 0; i < merges.Length; i++)
        {
            merges[i] = Validated(request.Keys[i], $"keys[{i}]");
        }

        await Task.WhenAll(merges.Select(static m => m.Grain.MergeRegionCountsAsync(m.Counts).AsTask())).ConfigureAwait(false);
        metrics.Received(request.Region, merges.Length);
        return new PushResponse { Merged = (uint)merges.Length };
    }

    private void Authenticate(ServerCallContext context)
    {
        var sent = context.RequestHeaders.GetValue(RegionSyncPusher.SecretHeader);
        // Hashes of equal length, compared in constant time: neither the secret nor its length leaks through timing.
        if (options.Value.Secret is null || sent is null
            || !CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(sent)), _secretHash))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, $"region sync needs the region secret in '{RegionSyncPusher.SecretHeader}'."));
        }
    }

    private (ILimitGrain, GlobalCounts) Validated(KeyCounts item, string path)
    {
        if (!policies.TryGet(item.Policy, out var policy) || policy.Definition.Scope != LimitScope.Global)
        {
            throw Invalid(path + ".policy", $"'{item.Policy}' is not a global policy in region '{link.Region}'.");
        }

        if (item.Key.Length == 0 || Encoding.UTF8.GetByteCount(item.Key) > silo.Value.MaxKeyBytes)
        {
            throw Invalid(path + ".key", $"must be 1 to {silo.Value.MaxKeyBytes} bytes.");
        }

        if (item.Epoch < 0)
        {
            throw Invalid(path + ".epoch", "must not be negative.");
        }

        if (item.Counts.Count > MaxCountsPerLimit * policy.Algorithms.Count)
        {
            throw Invalid(path + ".counts",
                $"has {item.Counts.Count} counts; a key of '{item.Policy}' has at most {MaxCountsPerLimit * policy.Algorithms.Count}.");
        }

        var counts = new WindowCount[item.Counts.Count];
        for (var c = 0; c < counts.Length; c++)
        {
            var count = item.Counts[c];
            var at = $"{path}.counts[{c}]";
            if (count.Limit >= policy.Algorithms.Count)
            {
                throw Invalid(at + ".limit", $"{count.Limit} is not a limit of '{item.Policy}' (it has {policy.Algorithms.Count}).");
            }

            if (count.Window is < 0 || count.Window > DateTime.MaxValue.Ticks)
            {
                throw Invalid(at + ".window", "must be UTC ticks from 0 to DateTime.MaxValue.");
            }

            if (!_regions.TryGetValue(count.Region, out var region))
            {
                throw Invalid(at + ".region", $"'{count.Region}' is not a configured region.");
            }

            if (count.Count is < 0 or > MaxCount)
            {
                throw Invalid(at + ".count", $"must be from 0 to {MaxCount}.");
            }

            counts[c] = new WindowCount((int)count.Limit, count.Window, region, count.Count);
        }

        return (grains.Get(item.Policy, item.Key), new GlobalCounts(item.Epoch, counts));
    }

    private static RpcException Invalid(string field, string problem) => new(new Status(StatusCode.InvalidArgument, $"{field}: {problem}"));
}
