using GrainLimiter.Benchmarks.Load.Processes;
using GrainLimiter.Grains;

namespace GrainLimiter.Benchmarks.Memory;

/// <summary>Managed bytes per Orleans activation of a limit grain, and what deactivating them frees.</summary>
/// <remarks>
/// N keys are activated through local grain calls in a real in-process silo (in-memory grain storage), the heap measured
/// after full GCs; then every activation is collected (<see cref="IManagementGrain.ForceActivationCollection(TimeSpan)"/>)
/// and the heap measured again. What stays after deactivation is mostly each key's written state in the in-memory store
/// (with <c>GrainLimiter:Storage</c> = <c>redis</c> it lives in Redis instead).
/// </remarks>
internal static class GrainMemory
{
    // Calls per key before a timeout fails the activation run.
    private const int ActivationAttempts = 5;

    private const string Policies = """
        policies:
          - name: fixed_window
            limits: [{ algorithm: fixed_window, limit: 100, window: 1m }]
          - name: token_bucket
            limits: [{ algorithm: token_bucket, limit: 100, window: 1m }]
          - name: sliding_window
            limits: [{ algorithm: sliding_window, limit: 100, window: 1m }]
        """;

    public static async Task RunAsync(int count)
    {
        Console.WriteLine($"Activating {count:N0} grains per policy (keys 'user:<n>') in an in-process silo ...");
        Console.WriteLine("| policy | activations | bytes/activation | freed by deactivation | left per key after |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var policy in new[] { "fixed_window", "token_bucket", "sliding_window" })
        {
            // A fresh silo per policy: nothing left over from the previous one.
            await using var silo = await InProcessSilo.StartAsync(Policies, count + 1000, CancellationToken.None).ConfigureAwait(false);
            var management = silo.GrainFactory.GetGrain<IManagementGrain>(0);
            // Warm: JIT, the first activation's one-off costs, the storage provider.
            await ActivateAsync(silo.GrainFactory, policy, "warm:", 1000).ConfigureAwait(false);
            var before = Heap();
            await ActivateAsync(silo.GrainFactory, policy, "user:", count).ConfigureAwait(false);
            var active = await management.GetTotalActivationCount().ConfigureAwait(false);
            var after = Heap();

            try
            {
                await management.ForceActivationCollection(TimeSpan.Zero).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Collecting many activations outlasts the silo's ResponseTimeout; it goes on regardless.
            }

            // Collection deactivates in the background (each writes its state): wait until it is done, bounded.
            for (var waited = 0; waited < 600 && await management.GetTotalActivationCount().ConfigureAwait(false) > 100; waited++)
            {
                await Task.Delay(100).ConfigureAwait(false); // polling interval: Orleans exposes no completion signal
            }

            var collected = Heap();
            var perActivation = (after - before) / (double)count;
            Console.WriteLine($"| {policy} | {active:N0} | {perActivation:F0} | {(after - collected) / (double)count:F0} B/key "
                + $"| {(collected - before) / (double)count:F0} B |");
        }
    }

    /// <summary>Activates <paramref name="count"/> keys of <paramref name="policy"/> with one charge each, 256 calls in flight;
    /// grain references are not kept, so they do not count in the heap afterwards.</summary>
    public static Task ActivateAsync(IGrainFactory grains, string policy, string prefix, int count) =>
        ActivateAsync(count, i => grains.GetGrain<ILimitGrain>(LimitGrainKey.Encode(policy,
                prefix + i.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            .AcquireAsync(1).AsTask());

    /// <summary>Calls <paramref name="activate"/> for 0 to <paramref name="count"/> - 1, 256 calls in flight. A call may charge
    /// its key more than once: with millions of live activations a full GC can outlast the silo's ResponseTimeout, and the
    /// key is asked again, so activated keys should be under an open limit.</summary>
    public static async Task ActivateAsync(int count, Func<int, Task> activate)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 256).Select(async _ =>
        {
            for (var i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
            {
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        await activate(i).ConfigureAwait(false);
                        break;
                    }
                    // Past ResponseTimeout: Orleans times the call out, or expires it before placement when activations queue.
                    catch (Exception e) when (e is TimeoutException or OperationCanceledException && attempt < ActivationAttempts)
                    {
                    }
                }
            }
        })).ConfigureAwait(false);
    }

    public static long Heap()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
