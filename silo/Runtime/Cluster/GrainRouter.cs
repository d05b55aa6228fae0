using GrainLimiter.Decisions;
using GrainLimiter.Grains;
using GrainLimiter.Policies;
using GrainLimiter.Protocol.Peer.V1;
using GrainLimiter.Silo.Runtime.Cluster.Membership;
using GrainLimiter.Silo.Runtime.Cluster.Peers;
using GrainLimiter.Storage;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Runtime.Cluster;

/// <summary>Runs a grain operation where the grain lives: in this silo's catalog when it owns the key, on the owner otherwise.</summary>
/// <remarks>
/// A peer that answers "not owner" has a newer (or older) view than this silo: the operation is re-routed after this silo
/// re-reads its membership, at most <see cref="ClusterOptions.MaxReroutes"/> times. An owner that cannot be reached
/// leaves the answer to the policy's failure mode: fail-open decides on a local provisional grain (counted), fail-closed denies.
/// </remarks>
public sealed partial class GrainRouter
{
    public const string OwnerUnreachableReason = "owner_unreachable";

    private readonly GrainCatalog _catalog;
    private readonly ProvisionalGrains _provisional;
    private readonly ClusterMembership? _membership;
    private readonly IPeerTransport? _peers;
    private readonly ClusterOptions _options;
    private readonly ILogger<GrainRouter> _logger;

    public GrainRouter(GrainCatalog catalog, ProvisionalGrains provisional, IOptions<ClusterOptions> options, ILogger<GrainRouter> logger,
        ClusterMembership? membership = null, IPeerTransport? peers = null)
    {
        _catalog = catalog;
        _provisional = provisional;
        _options = options.Value;
        _logger = logger;
        _membership = _options.IsMultiSilo ? membership ?? throw new ArgumentNullException(nameof(membership)) : null;
        _peers = _options.IsMultiSilo ? peers ?? throw new ArgumentNullException(nameof(peers)) : null;
    }

    /// <summary>Decides one operation; throws <see cref="StoreUnavailableException"/> when the owner could not load the state and the policy fails closed.</summary>
    internal ValueTask<(LimitDecision Decision, string? Reason)> RunAsync(GrainId id, CompiledPolicy policy, GrainOperation operation, long now, long cost, long leaseId)
    {
        if (_membership is null)
        {
            var local = _catalog.RunAsync(id, policy, operation, now, cost, leaseId);
            return local.IsCompletedSuccessfully ? ValueTask.FromResult((local.Result, (string?)null)) : AwaitLocalAsync(local);
        }

        return RouteAsync(id, policy, operation, now, cost, leaseId);
    }

    private static async ValueTask<(LimitDecision, string?)> AwaitLocalAsync(ValueTask<LimitDecision> local) => (await local.ConfigureAwait(false), null);

    private async ValueTask<(LimitDecision Decision, string? Reason)> RouteAsync(GrainId id, CompiledPolicy policy, GrainOperation operation, long now, long cost, long leaseId)
    {
        var membership = _membership!;
        for (var attempt = 0; ; attempt++)
        {
            // A leave in progress writes every grain before its new owners serve them: wait for it.
            await membership.HandOff.ConfigureAwait(false);
            var owner = membership.View.OwnerOf(id);
            if (owner is null)
            {
                return await FailureModeAsync(id, policy, operation, now, cost, leaseId, "no silo owns keys").ConfigureAwait(false);
            }

            try
            {
                if (owner == membership.Self)
                {
                    await membership.Serving.ConfigureAwait(false);
                    return (await _catalog.RunAsync(id, policy, operation, now, cost, leaseId).ConfigureAwait(false), null);
                }

                var result = await _peers!.DecideAsync(owner, ToOp(id, operation, cost, leaseId), CancellationToken.None)
                    .WaitAsync(_options.PeerTimeout).ConfigureAwait(false);
                membership.ReportReachable(owner);
                switch (result.Status)
                {
                    case ResultStatus.Ok:
                        return (ToDecision(result), null);
                    case ResultStatus.StoreUnavailable:
                        throw new StoreUnavailableException($"The owner of a '{id.Policy}' key could not load its state and the policy fails closed.", new PeerUnavailableException(owner, "store unavailable"));
                    case ResultStatus.NotOwner:
                        break;
                    default:
                        return await FailureModeAsync(id, policy, operation, now, cost, leaseId, $"owner answered {result.Status}").ConfigureAwait(false);
                }
            }
            catch (NotOwnerException)
            {
                // The view moved while the grain was activating here.
            }
            catch (Exception e) when (e is PeerUnavailableException or TimeoutException)
            {
                membership.ReportUnreachable(owner);
                return await FailureModeAsync(id, policy, operation, now, cost, leaseId, e.Message).ConfigureAwait(false);
            }

            if (attempt >= _options.MaxReroutes)
            {
                return await FailureModeAsync(id, policy, operation, now, cost, leaseId, $"still not the owner after {attempt} re-routes").ConfigureAwait(false);
            }

            Log.Rerouting(_logger, owner, attempt + 1);
            await membership.RefreshAsync(CancellationToken.None).ConfigureAwait(false);
            if (membership.View.OwnerOf(id) == owner)
            {
                // Views disagree and this one did not move: give the other side time to catch up before asking again.
                await Task.Delay(TimeSpan.FromMilliseconds(20 << attempt)).ConfigureAwait(false);
            }
        }
    }

    private async ValueTask<(LimitDecision, string?)> FailureModeAsync(GrainId id, CompiledPolicy policy, GrainOperation operation, long now, long cost, long leaseId, string why)
    {
        Log.OwnerUnreachable(_logger, id.Policy, why);
        if (policy.Definition.FailureMode == FailureMode.Open)
        {
            return (await _provisional.RunAsync(id, policy, operation, now, cost, leaseId).ConfigureAwait(false), OwnerUnreachableReason);
        }

        var limit = policy.Definition.Limits[0].Limit;
        return (new LimitDecision(false, limit, 0, TimeSpan.Zero, TimeSpan.FromSeconds(1)), OwnerUnreachableReason);
    }

    private static GrainOp ToOp(GrainId id, GrainOperation operation, long cost, long leaseId) => new()
    {
        Policy = id.Policy,
        Key = id.Key,
        Operation = (Operation)(int)operation,
        Cost = cost,
        LeaseId = leaseId,
    };

    internal static LimitDecision ToDecision(GrainResult result) => new(
        result.Allowed,
        result.Limit,
        result.Remaining,
        TimeSpan.FromTicks(result.ResetAfterTicks),
        result.RetryAfterTicks < 0 ? LimitDecision.Never : TimeSpan.FromTicks(result.RetryAfterTicks),
        TimeSpan.FromTicks(result.WaitTicks),
        result.LimitIndex,
        result.AlertReached,
        result.LeaseId);

    internal static GrainResult ToResult(LimitDecision decision) => new()
    {
        Status = ResultStatus.Ok,
        Allowed = decision.Allowed,
        Limit = decision.Limit,
        Remaining = decision.Remaining,
        ResetAfterTicks = decision.ResetAfter.Ticks,
        RetryAfterTicks = decision.RetryAfter == LimitDecision.Never ? -1 : decision.RetryAfter.Ticks,
        WaitTicks = decision.Wait.Ticks,
        LimitIndex = decision.LimitIndex,
        AlertReached = decision.AlertReached,
        LeaseId = decision.LeaseId,
    };
}
