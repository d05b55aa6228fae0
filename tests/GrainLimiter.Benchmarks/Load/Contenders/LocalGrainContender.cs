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
    // One reference cache per limit: "bench/k1" and "accuracy/k1" are different grains.
    private readonly ConcurrentDictionary<string, ILimitGrain>[] _grains =
        [.. Enum.GetValues<LimitKind>().Select(_ => new ConcurrentDictionary<string, ILimitGrain>(StringComparer.Ordinal))];

    public override string Name => "GrainLimiter in-process (Orleans local calls)";

    /// <summary>Runs them, though it calls the grains directly, never as a lease holder: its ratio shows the comparison's noise.</summary>
    public override bool RunsLeasesOff => true;

    // Not a synchronous loop per core: a local grain call completes on Orleans' scheduler, so it needs calls in flight
    // (the usual concurrency) to keep the cores busy.
    public override bool InProcess => false;

    /// <summary>A contender over a fresh in-process silo whose first <paramref name="preloadKeys"/> keys (<c>k0</c>...) are already active.</summary>
    public static async Task<LocalGrainContender> StartAsync(BenchLimits limits, int maxActiveGrains, int preloadKeys, CancellationToken cancellationToken)
    {
        var silo = await InProcessSilo.StartAsync(limits, maxActiveGrains, cancellationToken).ConfigureAwait(false);
        await Memory.GrainMemory.ActivateAsync(silo.GrainFactory, SiloProcess.OpenPolicy, "k", preloadKeys).ConfigureAwait(false);
        await Memory.GrainMemory.ActivateAsync(silo.GrainFactory, SiloProcess.OpenUnleasedPolicy, "k", preloadKeys).ConfigureAwait(false);
        return new LocalGrainContender(silo, ownsSilo: true);
    }

    public override ValueTask<int> CallAsync(string[] keys, LimitKind limit, CancellationToken cancellationToken)
    {
        var (grains, policy) = (_grains[(int)limit], SiloProcess.PolicyOf(limit));
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
