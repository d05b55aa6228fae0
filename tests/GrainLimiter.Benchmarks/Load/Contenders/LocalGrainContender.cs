using System.Collections.Concurrent;
using GrainLimiter.Benchmarks.Load.Processes;
using GrainLimiter.Grains;

namespace GrainLimiter.Benchmarks.Load.Contenders;

/// <summary>
/// GrainLimiter in-process: Orleans local grain calls to each key's <see cref="ILimitGrain"/> inside a real silo in this
/// process (references cached per key), no front, no network. The floor the fronts are measured against.
/// </summary>
internal sealed class LocalGrainContender(InProcessSilo silo, bool ownsSilo) : Contender
{
    private readonly ConcurrentDictionary<string, ILimitGrain> _open = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ILimitGrain> _accuracy = new(StringComparer.Ordinal);

    public override string Name => "GrainLimiter in-process (Orleans local calls)";

    // Not a synchronous loop per core: a local grain call completes on Orleans' scheduler, so it needs calls in flight
    // (the usual concurrency) to keep the cores busy.
    public override bool InProcess => false;

    /// <summary>A contender over a fresh in-process silo whose first <paramref name="preloadKeys"/> keys (<c>k0</c>...) are already active.</summary>
    public static async Task<LocalGrainContender> StartAsync(int accuracyLimit, int maxActiveGrains, int preloadKeys, CancellationToken cancellationToken)
    {
        var silo = await InProcessSilo.StartAsync(accuracyLimit, maxActiveGrains, cancellationToken).ConfigureAwait(false);
        await Memory.GrainMemory.ActivateAsync(silo.GrainFactory, SiloProcess.OpenPolicy, "k", preloadKeys).ConfigureAwait(false);
        return new LocalGrainContender(silo, ownsSilo: true);
    }

    public override ValueTask<int> CallAsync(string[] keys, LimitKind limit, CancellationToken cancellationToken)
    {
        var (grains, policy) = limit == LimitKind.Open ? (_open, SiloProcess.OpenPolicy) : (_accuracy, SiloProcess.AccuracyPolicy);
        if (keys.Length == 1)
        {
            // The common case stays synchronous when the grain answers inline.
            var pending = Grain(grains, policy, keys[0]).AcquireAsync(1);
            return pending.IsCompletedSuccessfully ? ValueTask.FromResult(GrainAnswer.Admitted(pending.Result)) : AdmittedAsync(pending);
        }

        return ManyAsync(grains, policy, keys);
    }

    private async ValueTask<int> ManyAsync(ConcurrentDictionary<string, ILimitGrain> grains, string policy, string[] keys)
    {
        var admitted = 0;
        foreach (var key in keys)
        {
            admitted += GrainAnswer.Admitted(await Grain(grains, policy, key).AcquireAsync(1).ConfigureAwait(false));
        }

        return admitted;
    }

    private static async ValueTask<int> AdmittedAsync(ValueTask<Decisions.GrainDecision> pending) =>
        GrainAnswer.Admitted(await pending.ConfigureAwait(false));

    private ILimitGrain Grain(ConcurrentDictionary<string, ILimitGrain> grains, string policy, string key) =>
        grains.TryGetValue(key, out var grain) ? grain : grains.GetOrAdd(key, silo.GrainFactory.GetGrain<ILimitGrain>(LimitGrainKey.Encode(policy, key)));

    public override async ValueTask DisposeAsync()
    {
        if (ownsSilo)
        {
            await silo.DisposeAsync().ConfigureAwait(false);
        }
    }
}
