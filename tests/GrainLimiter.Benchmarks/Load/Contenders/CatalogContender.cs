using GrainLimiter.Grains;
using GrainLimiter.Policies;
using GrainLimiter.Silo.Runtime;
using GrainLimiter.Silo.Storage;
using GrainLimiter.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace GrainLimiter.Benchmarks.Load.Contenders;

/// <summary>
/// GrainLimiter in-process: the grain's decide step through the real <see cref="GrainCatalog"/> (shard lock, lookup,
/// turn), no front, no network. The floor the fronts are measured against.
/// </summary>
internal sealed class CatalogContender(int maxActiveGrains, int accuracyLimit) : Contender
{
    private readonly CompiledPolicy _open = Policy(Processes.SiloProcess.OpenPolicy, 1_000_000_000);
    private readonly CompiledPolicy _accuracy = Policy(Processes.SiloProcess.AccuracyPolicy, accuracyLimit);

    public GrainCatalog Catalog { get; } = new(new MemoryGrainStateStore(TimeProvider.System), maxActiveGrains, NullLogger<GrainCatalog>.Instance);

    public override string Name => "GrainLimiter in-process (catalog)";

    public override bool InProcess => true;

    public override ValueTask<int> CallAsync(string[] keys, LimitKind limit, CancellationToken cancellationToken)
    {
        var policy = limit == LimitKind.Open ? _open : _accuracy;
        var now = DateTimeOffset.UtcNow.UtcTicks;
        var admitted = 0;
        foreach (var key in keys)
        {
            var pending = Catalog.RunAsync(new GrainId(policy.Name, key), policy, GrainOperation.Acquire, now, 1);
            // The memory store loads synchronously, so activations complete inline too.
            var decision = pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
            admitted += decision.Allowed ? 1 : 0;
        }

        return ValueTask.FromResult(admitted);
    }

    private static CompiledPolicy Policy(string name, long limit) => new(new PolicyDefinition
    {
        Name = name,
        Limits = [new LimitSpec { Algorithm = LimitAlgorithmKind.FixedWindow, Limit = limit, Window = TimeSpan.FromHours(1) }],
    });
}
