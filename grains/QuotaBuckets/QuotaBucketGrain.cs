using GrainLimiter.QuotaBuckets;
using Microsoft.Extensions.Logging;
using Orleans.Placement;

namespace GrainLimiter.Grains.QuotaBuckets;

/// <summary>The Orleans grain of one Rate Limit Quota Service bucket: a thin adapter that runs <see cref="QuotaLedger"/>
/// one turn at a time and stores how long its assignments may last.</summary>
/// <remarks>
/// Before an assignment would outlive the stored horizon, the horizon is moved two TTLs ahead and written (admin storage),
/// so a write happens about once per TTL, not per report. A re-activation (its silo died, or it went idle) reads the
/// horizon and assigns nothing until it passes: the assignments it lost track of may be in force until then.
/// </remarks>
[HashBasedPlacement]
public sealed partial class QuotaBucketGrain(
    [PersistentState(QuotaBucketGrain.StateName, LimitGrainOptions.AdminStorageName)] IPersistentState<QuotaBucketState> stored,
    TimeProvider time,
    QuotaBucketGauges gauges,
    ILogger<QuotaBucketGrain> logger) : Grain, IQuotaBucketGrain
{
    public const string StateName = "quota";
    private QuotaLedger _ledger = new();

    private long Now => time.GetUtcNow().UtcTicks;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _ledger = new QuotaLedger(quarantinedUntil: stored.State.HorizonTicks > Now ? stored.State.HorizonTicks : 0);
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        gauges.Remove(this.GetPrimaryKeyString());
        if (reason.ReasonCode == DeactivationReasonCode.ShuttingDown)
        {
            // The silo is stopping: keep the horizon, so the activation that takes over waits out what this one assigned.
            return;
        }

        // No assignment of this activation is in force any more (nor, past the quarantine, any earlier one): forget the horizon.
        if (stored.RecordExists && (stored.State.HorizonTicks <= Now || (Now >= _ledger.QuarantinedUntil && _ledger.Reserved(Now) == 0)))
        {
            try
            {
                await stored.ClearStateAsync().ConfigureAwait(true);
            }
            catch (Exception e)
            {
                // A stale horizon only delays a later activation's first assignment until it passes.
                Log.ClearFailed(logger, e);
            }
        }
    }

    public async ValueTask<QuotaAnswer> ReportAsync(string stream, QuotaBucketSpec spec, QuotaUsage? usage)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var now = Now;
        var countsUntil = now + spec.AssignmentTtl.Ticks + QuotaLedger.TransitAllowance.Ticks;
        if (countsUntil > stored.State.HorizonTicks && now >= _ledger.QuarantinedUntil)
        {
            await ExtendHorizonAsync(countsUntil + spec.AssignmentTtl.Ticks).ConfigureAwait(true);
            now = Now;
        }

        var answer = _ledger.Report(stream, spec, usage, now, stored.State.HorizonTicks);
        if (answer.Action == QuotaAction.Abandon)
        {
            gauges.Abandon();
        }

        Publish(now);
        return answer;
    }

    public ValueTask LeaveAsync(string stream)
    {
        var now = Now;
        _ledger.Leave(stream, now);
        Publish(now);
        return ValueTask.CompletedTask;
    }

    public ValueTask<QuotaBucketView> InspectAsync()
    {
        var now = Now;
        // Looking at a bucket no stream reports does not keep its grain.
        if (_ledger.IsIdle(now) && now >= _ledger.QuarantinedUntil)
        {
            DeactivateOnIdle();
        }

        return ValueTask.FromResult(_ledger.View(now));
    }

    // Written before any assignment relies on it; a failed write leaves assignments bounded by the old horizon.
    private async Task ExtendHorizonAsync(long horizon)
    {
        var previous = stored.State.HorizonTicks;
        stored.State.HorizonTicks = horizon;
        try
        {
            await stored.WriteStateAsync().ConfigureAwait(true);
        }
        catch (Exception e)
        {
            stored.State.HorizonTicks = previous;
            Log.HorizonWriteFailed(logger, e);
        }
    }

    private void Publish(long now)
    {
        if (_ledger.Spec is { } spec)
        {
            var view = _ledger.View(now);
            gauges.Set(this.GetPrimaryKeyString(),
                new QuotaBucketGauges.Snapshot(spec.Name, spec.Limit, view.Streams.Sum(static s => s.Demand), view.Reserved, view.Streams.Length));
        }

        if (_ledger.IsIdle(now))
        {
            DeactivateOnIdle();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "A quota bucket could not store its assignment horizon; assignments stay within the last one stored.")]
        public static partial void HorizonWriteFailed(ILogger logger, Exception exception);

        [LoggerMessage(2, LogLevel.Warning, "A quota bucket could not clear its stored horizon.")]
        public static partial void ClearFailed(ILogger logger, Exception exception);
    }
}
