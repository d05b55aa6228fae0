using GrainLimiter.Grains;
using GrainLimiter.Policies;
using GrainLimiter.Silo.Runtime;
using GrainLimiter.Silo.Storage;
using GrainLimiter.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace GrainLimiter.Benchmarks.Memory;

/// <summary>Managed bytes per active grain: N grains activated through the real catalog, heap measured after full GCs.</summary>
/// <remarks>Counts everything a grain costs in the silo: the grain, its state, its key string and the catalog's entries.</remarks>
internal static class GrainMemory
{
    public static void Run(int count)
    {
        Console.WriteLine($"Activating {count:N0} grains per policy (keys 'user:<n>') ...");
        foreach (var (name, spec) in Policies())
        {
            var before = Heap();
            var (active, after) = Fill(new CompiledPolicy(new PolicyDefinition { Name = name, Limits = [spec] }), count);
            Console.WriteLine($"{name,-16} {active,12:N0} active  {(after - before) / (double)active,8:F1} bytes/grain");
        }
    }

    // Synchronous on purpose: when it returns, its catalog is unreachable before the next policy is measured.
    private static (int Active, long Heap) Fill(CompiledPolicy policy, int count)
    {
        // Headroom over count: the cap is per shard, and keys do not spread over shards perfectly evenly.
        var catalog = new GrainCatalog(new MemoryGrainStateStore(TimeProvider.System), count + count / 8, NullLogger<GrainCatalog>.Instance);
        var now = DateTimeOffset.UtcNow.UtcTicks;
        for (var i = 0; i < count; i++)
        {
            // The memory store loads synchronously, so every activation completes inline.
            catalog.RunAsync(new GrainId(policy.Name, $"user:{i}"), policy, GrainOperation.Acquire, now, 1).AsTask().GetAwaiter().GetResult();
        }

        var heap = Heap();
        GC.KeepAlive(catalog);
        return (catalog.ActiveCount, heap);
    }

    private static IEnumerable<(string, LimitSpec)> Policies()
    {
        yield return ("fixed_window", new LimitSpec { Algorithm = LimitAlgorithmKind.FixedWindow, Limit = 100, Window = TimeSpan.FromMinutes(1) });
        yield return ("token_bucket", new LimitSpec { Algorithm = LimitAlgorithmKind.TokenBucket, Limit = 100, Window = TimeSpan.FromMinutes(1) });
        yield return ("sliding_window", new LimitSpec { Algorithm = LimitAlgorithmKind.SlidingWindow, Limit = 100, Window = TimeSpan.FromMinutes(1) });
    }

    private static long Heap()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
