using GrainLimiter.Grains;
using GrainLimiter.Policies;

namespace GrainLimiter.Benchmarks.Memory;

/// <summary>Managed bytes per key state: N <see cref="KeyLimits"/> in a dictionary, heap measured after full GCs.</summary>
/// <remarks>The state machine, its state, its key string and a dictionary entry; not yet an Orleans activation (about 2 KB more, ORLEANS.md).</remarks>
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
        var grains = new Dictionary<string, KeyLimits>(count);
        var now = DateTimeOffset.UtcNow.UtcTicks;
        for (var i = 0; i < count; i++)
        {
            var grain = new KeyLimits($"user:{i}", policy);
            grain.TryAcquire(now, 1);
            grains.Add(grain.Key, grain);
        }

        var heap = Heap();
        GC.KeepAlive(grains);
        return (grains.Count, heap);
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
