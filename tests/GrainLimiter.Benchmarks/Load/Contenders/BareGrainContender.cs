using System.Collections.Concurrent;
using System.Globalization;
using GrainLimiter.Benchmarks.Load.Bare;
using GrainLimiter.Benchmarks.Load.Processes;

namespace GrainLimiter.Benchmarks.Load.Contenders;

/// <summary>
/// Orleans alone: local calls in an in-process silo, as <see cref="LocalGrainContender"/> makes, to a grain that only
/// counts (<see cref="IBareCounterGrain"/>). What one Orleans message per decision costs on this machine with no
/// GrainLimiter code on the way: the ceiling of every row that keeps one grain per key.
/// </summary>
internal sealed class BareGrainContender(InProcessSilo silo, long accuracyLimit) : Contender
{
    private const long OpenLimit = 1_000_000_000;
    private readonly ConcurrentDictionary<string, IBareCounterGrain> _open = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IBareCounterGrain> _accuracy = new(StringComparer.Ordinal);

    public override string Name => "Orleans alone (bare counter grain, local calls)";

    /// <summary>Its counters have no window to reopen: a ceiling of the open rows, not an attack's.</summary>
    public override bool RunsAttack => false;

    /// <summary>A contender over a fresh in-process silo whose first <paramref name="preloadKeys"/> keys (<c>k0</c>...) are already active.</summary>
    public static async Task<BareGrainContender> StartAsync(BenchLimits limits, int maxActiveGrains, int preloadKeys, CancellationToken cancellationToken)
    {
        var silo = await InProcessSilo.StartAsync(limits, maxActiveGrains, cancellationToken).ConfigureAwait(false);
        var contender = new BareGrainContender(silo, limits.Accuracy);
        await Memory.GrainMemory.ActivateAsync(preloadKeys,
            i => contender.Grain(contender._open, "k" + i.ToString(CultureInfo.InvariantCulture)).TryTakeAsync(OpenLimit).AsTask()).ConfigureAwait(false);
        return contender;
    }

    public override async ValueTask<int> CallAsync(string[] keys, LimitKind limit, CancellationToken cancellationToken)
    {
        var (grains, cap) = limit switch
        {
            LimitKind.Open or LimitKind.OpenUnleased => (_open, OpenLimit),
            LimitKind.Accuracy => (_accuracy, accuracyLimit),
            _ => throw new NotSupportedException($"A bare counter has no {limit} limit."),
        };
        var admitted = 0;
        foreach (var key in keys)
        {
            admitted += await Grain(grains, key).TryTakeAsync(cap).ConfigureAwait(false) ? 1 : 0;
        }

        return admitted;
    }

    // The two limits' grains apart: "open/k1" and "accuracy/k1" are different grains.
    private IBareCounterGrain Grain(ConcurrentDictionary<string, IBareCounterGrain> grains, string key) =>
        grains.TryGetValue(key, out var grain)
            ? grain
            : grains.GetOrAdd(key, silo.GrainFactory.GetGrain<IBareCounterGrain>((grains == _open ? "open/" : "accuracy/") + key));

    public override ValueTask DisposeAsync() => silo.DisposeAsync();
}
