using System.Diagnostics;
using System.Numerics;
using GrainLimiter.Decisions;
using GrainLimiter.Grains;
using GrainLimiter.Policies;
using GrainLimiter.Storage;

namespace GrainLimiter.Silo.Runtime;

/// <summary>The grains active in this silo: activated on first use, run one turn at a time, deactivated when idle or over the cap.</summary>
/// <remarks>
/// Grains live in shards, each behind one lock. A turn is lookup + decide under that lock with no await
/// inside: the Orleans single-threaded turn without a mailbox. Activation loads state outside the lock,
/// once per grain however many callers race for it. Deactivation is second-chance (CLOCK): a grain used
/// since the hand last passed survives one more pass. A dirty grain that is deactivated stays reachable
/// until its state is written, so a quick re-activation never reads a stale state.
/// </remarks>
public sealed partial class GrainCatalog
{
    private const long ProvisionalLogIntervalMs = 10_000;
    private readonly Shard[] _shards;
    private readonly int _maxPerShard;
    private readonly IGrainStateStore _store;
    private readonly ILogger<GrainCatalog> _logger;
    private long _provisionalActivations;
    private long _lastProvisionalLog = long.MinValue;
    private long _failedStateWrites;

    public GrainCatalog(IGrainStateStore store, int maxActiveGrains, ILogger<GrainCatalog> logger)
    {
        // Enough shards to keep lock waits rare on a busy silo, few enough that small caps stay exact.
        var shardCount = (int)Math.Clamp(BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, maxActiveGrains / 1024)), 1, 64);
        _shards = Enumerable.Range(0, shardCount).Select(_ => new Shard()).ToArray();
        _maxPerShard = Math.Max(1, maxActiveGrains / shardCount);
        _store = store;
        _logger = logger;
    }

    public int ActiveCount => _shards.Sum(static s => { lock (s.Gate) return s.Active.Count; });

    /// <summary>Activations that started fresh because the store failed and the policy fails open.</summary>
    public long ProvisionalActivations => Interlocked.Read(ref _provisionalActivations);

    /// <summary>Grain states whose write to the store failed; they stay dirty and are retried.</summary>
    public long FailedStateWrites => Interlocked.Read(ref _failedStateWrites);

    internal ValueTask<LimitDecision> RunAsync(GrainId id, CompiledPolicy policy, GrainOperation operation, long now, long cost = 0, long leaseId = 0)
    {
        var shard = ShardOf(id);
        Task? activation;
        TaskCompletionSource? activator = null;
        lock (shard.Gate)
        {
            if (shard.TryFind(id, out var grain))
            {
                return ValueTask.FromResult(Turn(shard, grain, operation, now, cost, leaseId));
            }

            if (!shard.Activating.TryGetValue(id, out activation))
            {
                activator = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                activation = activator.Task;
                shard.Activating[id] = activation;
            }
        }

        if (activator is not null)
        {
            _ = ActivateAsync(shard, id, policy, activator);
        }

        return RunAfterActivationAsync(activation, id, policy, operation, now, cost, leaseId);
    }

    private async ValueTask<LimitDecision> RunAfterActivationAsync(Task activation, GrainId id, CompiledPolicy policy, GrainOperation operation, long now, long cost, long leaseId)
    {
        await activation.ConfigureAwait(false);
        return await RunAsync(id, policy, operation, now, cost, leaseId).ConfigureAwait(false);
    }

    private async Task ActivateAsync(Shard shard, GrainId id, CompiledPolicy policy, TaskCompletionSource activator)
    {
        var grain = new KeyLimits(id.Key, policy);
        try
        {
            var state = await _store.LoadAsync(id, CancellationToken.None).ConfigureAwait(false);
            if (state is not null)
            {
                GrainStateCodec.Read(grain, state);
            }
        }
        catch (InvalidDataException e)
        {
            Log.UnreadableState(_logger, id.Policy, e);
        }
        catch (Exception e) when (policy.Definition.FailureMode == FailureMode.Open)
        {
            var total = Interlocked.Increment(ref _provisionalActivations);
            // An outage makes every new key fail at once: log the first, then at most one line per interval.
            var last = Interlocked.Read(ref _lastProvisionalLog);
            var nowMs = Environment.TickCount64;
            if (nowMs - last >= ProvisionalLogIntervalMs && Interlocked.CompareExchange(ref _lastProvisionalLog, nowMs, last) == last)
            {
                Log.ProvisionalActivation(_logger, id.Policy, total, e);
            }
        }
        catch (Exception e)
        {
            lock (shard.Gate) shard.Activating.Remove(id);
            activator.SetException(new StoreUnavailableException($"The state of a '{id.Policy}' key could not be loaded and the policy fails closed.", e));
            return;
        }

        lock (shard.Gate)
        {
            shard.Activating.Remove(id);
            if (!OwnsLocally(id))
            {
                // The view changed while the state loaded: the new owner decides, this copy would go stale.
                activator.SetException(new NotOwnerException(id));
                return;
            }

            if (!shard.TryFind(id, out _))
            {
                Insert(shard, grain);
            }
        }

        activator.SetResult();
    }

    private LimitDecision Turn(Shard shard, KeyLimits grain, GrainOperation operation, long now, long cost, long leaseId)
    {
        grain.RecentlyUsed = true;
        var wasDirty = grain.IsDirty;
        var decision = operation switch
        {
            GrainOperation.Acquire => grain.TryAcquire(now, cost),
            GrainOperation.Evaluate => grain.Evaluate(now, cost),
            _ => Mutate(grain, operation, now, cost, leaseId),
        };

        if (!wasDirty && grain.IsDirty)
        {
            shard.Dirty.Add(grain);
        }

        return decision;
    }

    private static LimitDecision Mutate(KeyLimits grain, GrainOperation operation, long now, long cost, long leaseId)
    {
        switch (operation)
        {
            case GrainOperation.Refund: grain.Refund(now, cost, leaseId); break;
            case GrainOperation.Release: grain.Release(now, leaseId); break;
            case GrainOperation.Reset: grain.Reset(); break;
            case GrainOperation.Pause: grain.PauseUntil(cost); break;
            default: throw new UnreachableException();
        }

        return grain.Evaluate(now, 0);
    }

    private void Insert(Shard shard, KeyLimits grain)
    {
        shard.Active.Add(grain.Id, grain);
        grain.Slot = shard.Ring.Count;
        shard.Ring.Add(grain);
        grain.RecentlyUsed = true;
        while (shard.Active.Count > _maxPerShard)
        {
            shard.EvictOne();
        }
    }

    private Shard ShardOf(GrainId id) => _shards[(id.GetHashCode() & int.MaxValue) & (_shards.Length - 1)];
}
