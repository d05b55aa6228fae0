using System.Collections.Concurrent;
using GrainLimiter.Grains;
using GrainLimiter.Policies;

namespace GrainLimiter.Benchmarks.Load.Contenders;

/// <summary>
/// GrainLimiter's decide step in process: one <see cref="KeyLimits"/> per key in a dictionary, each decided under its
/// own lock, no Orleans, no front, no network. The floor the fronts are measured against.
/// </summary>
/// <remarks>
/// Until the benchmarks are ported to Orleans this stands in for the deleted GrainCatalog contender: it measures the
/// state machine and a dictionary, not Orleans activations and turns.
/// </remarks>
internal sealed class CatalogContender(int maxActiveGrains, int accuracyLimit) : Contender
{
    private readonly CompiledPolicy _open = Policy(Processes.SiloProcess.OpenPolicy, 1_000_000_000);
    private readonly CompiledPolicy _accuracy = Policy(Processes.SiloProcess.AccuracyPolicy, accuracyLimit);
    private readonly ConcurrentDictionary<(string Policy, string Key), KeyLimits> _grains = new(Environment.ProcessorCount, Math.Min(maxActiveGrains, 1 << 20));

    public int ActiveCount => _grains.Count;

    public override string Name => "GrainLimiter in-process (KeyLimits, no Orleans)";

    public override bool InProcess => true;

    public override ValueTask<int> CallAsync(string[] keys, LimitKind limit, CancellationToken cancellationToken)
    {
        var policy = limit == LimitKind.Open ? _open : _accuracy;
        var now = DateTimeOffset.UtcNow.UtcTicks;
        var admitted = 0;
        foreach (var key in keys)
        {
            var grain = _grains.GetOrAdd((policy.Name, key), static (id, p) => new KeyLimits(id.Key, p), policy);
            lock (grain)
            {
                admitted += grain.TryAcquire(now, 1).Allowed ? 1 : 0;
            }
        }

        return ValueTask.FromResult(admitted);
    }

    private static CompiledPolicy Policy(string name, long limit) => new(new PolicyDefinition
    {
        Name = name,
        Limits = [new LimitSpec { Algorithm = LimitAlgorithmKind.FixedWindow, Limit = limit, Window = TimeSpan.FromHours(1) }],
    });
}
