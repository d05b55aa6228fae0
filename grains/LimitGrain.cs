using GrainLimiter.Decisions;
using GrainLimiter.Policies;
using Orleans.Placement;
using Orleans.Storage;

namespace GrainLimiter.Grains;

/// <summary>The Orleans grain of one (policy, key): a thin adapter that runs <see cref="KeyLimits"/> one turn at a time.</summary>
/// <remarks>
/// Every operation decides synchronously inside its turn; nothing awaits the store. A changed state is written behind
/// by a one-shot grain timer (<see cref="LimitGrainOptions.FlushInterval"/>, interleaving, so decisions go on while a
/// write is in flight) and on deactivation. A state equal to a fresh one is deleted instead of written. Hash-based
/// placement spreads keys evenly over the silos.
/// </remarks>
[HashBasedPlacement]
public sealed partial class LimitGrain(LimitGrainServices services) : Grain, ILimitGrain
{
    private const int DeactivationWriteAttempts = 3;
    private readonly GrainState<LimitGrainState> _stored = new(new LimitGrainState());
    private KeyLimits _limits = null!;
    // The policy fails closed and the state could not be read: deny until a later activation reads it.
    private bool _unavailable;
    // Over MaxActiveGrains when activated: answer, write and leave.
    private bool _transient;
    private bool _counted;
    private IGrainTimer? _flushTimer;
    private bool _flushArmed;
    private Task? _writing;
    // The resolver's version this grain's policy was resolved at; a reload changes it (FollowPolicy).
    private long _policyVersion;

    private CompiledPolicy Policy => _limits.Policy;

    private long Now => services.Time.GetUtcNow().UtcTicks;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var (policyName, key) = LimitGrainKey.Decode(this.GetPrimaryKeyString());
        if (!services.Policies.TryResolve(policyName, out var policy))
        {
            throw new InvalidOperationException($"Policy '{policyName}' is not known on this silo; every silo must load the same policy and Envoy files.");
        }

        _policyVersion = services.Policies.Version;
        _limits = new KeyLimits(key, policy, services.Regions.Region);
        try
        {
            await services.Storage.ReadStateAsync(LimitGrainOptions.StateName, GrainContext.GrainId, _stored).ConfigureAwait(true);
            Restore();
        }
        catch (Exception e) when (policy.Definition.FailureMode == FailureMode.Open)
        {
            var total = services.Counters.Provisional();
            if (services.ShouldLogStoreFailure())
            {
                Log.ProvisionalActivation(services.Logger, policy.Name, total, e);
            }
        }
        catch (Exception e)
        {
            _unavailable = true;
            if (services.ShouldLogStoreFailure())
            {
                Log.ClosedActivation(services.Logger, policy.Name, e);
            }
        }

        _counted = true;
        _transient = services.Counters.Activated() > services.Options.MaxActiveGrains;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _flushTimer?.Dispose();
        if (_writing is { } pending)
        {
            await pending.ConfigureAwait(true);
        }

        var pointless = reason.ReasonCode == DeactivationReasonCode.ShuttingDown && !services.Options.StorageOutlivesSilo;
        // The last chance to keep these counts: a failed write (store slow or briefly down) is tried again, a few times.
        for (var attempt = 0; attempt < DeactivationWriteAttempts && _limits?.IsDirty == true && !pointless && !cancellationToken.IsCancellationRequested; attempt++)
        {
            if (attempt > 0)
            {
                await Task.Delay(services.Options.FlushInterval, services.Time, CancellationToken.None).ConfigureAwait(true);
            }

            await WriteAsync().ConfigureAwait(true);
        }

        if (_counted)
        {
            services.Counters.Deactivated();
        }
    }

    public ValueTask<GrainDecision> AcquireAsync(long cost)
    {
        FollowPolicy();
        if (_unavailable)
        {
            return Unavailable(shadow: true);
        }

        _limits.Health = services.Regions.Health;
        var decision = _limits.TryAcquire(Now, cost);
        var charged = decision.Allowed && cost > 0;
        if (charged && _limits.IsGlobal)
        {
            PublishRegionCounts();
        }

        string? reason = null;
        if (!decision.Allowed && Policy.Definition.ShadowMode)
        {
            (decision, reason) = (decision with { Allowed = true, RetryAfter = TimeSpan.Zero }, DecisionReasons.ShadowMode);
        }

        return Answer(decision, reason, charged);
    }

    public ValueTask<GrainDecision> EvaluateAsync(long cost)
    {
        FollowPolicy();
        if (_unavailable)
        {
            return Unavailable(shadow: false);
        }

        _limits.Health = services.Regions.Health;
        return Answer(_limits.Evaluate(Now, cost));
    }

    public ValueTask MergeRegionCountsAsync(GlobalCounts counts)
    {
        FollowPolicy();
        // A report for a key whose state could not be read waits for the next one: the counts only grow.
        if (!_unavailable && _limits.MergeRegionCounts(Now, counts))
        {
            AfterTurn();
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<GlobalCounts> RegionCountsAsync() => ValueTask.FromResult(_limits.RegionCounts());

    private void PublishRegionCounts() => services.Regions.Publish(Policy.Name, _limits.Key, _limits.RegionCounts());

    public ValueTask RefundAsync(long cost, long leaseId)
    {
        FollowPolicy();
        if (!_unavailable)
        {
            _limits.Refund(Now, cost, leaseId);
            AfterTurn();
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<GrainDecision> ReleaseAsync(long leaseId)
    {
        FollowPolicy();
        if (_unavailable)
        {
            return Unavailable(shadow: false);
        }

        var now = Now;
        _limits.Release(now, leaseId);
        return Answer(_limits.Evaluate(now, 0));
    }

    public ValueTask<GrainDecision> ResetAsync()
    {
        FollowPolicy();
        if (_unavailable)
        {
            return Unavailable(shadow: false);
        }

        _limits.Reset();
        if (_limits.IsGlobal)
        {
            // The new reset epoch reaches every peer region with this key's next report: this one.
            PublishRegionCounts();
        }

        return Answer(_limits.Evaluate(Now, 0));
    }

    public ValueTask<GrainDecision> PauseAsync(DateTimeOffset until)
    {
        FollowPolicy();
        if (_unavailable)
        {
            return Unavailable(shadow: false);
        }

        _limits.PauseUntil(until.UtcTicks);
        return Answer(_limits.Evaluate(Now, 0));
    }

    public ValueTask<KeyView> InspectAsync()
    {
        FollowPolicy();
        var view = _limits.Inspect(Now);
        AfterTurn();
        return ValueTask.FromResult(view);
    }

    public async ValueTask<KeyView> SetOverrideAsync(KeyOverride value)
    {
        ArgumentNullException.ThrowIfNull(value);
        FollowPolicy();
        UsableForAdmin();
        _limits.SetOverride(value, Now);
        await WriteThroughAsync().ConfigureAwait(true);
        return _limits.Inspect(Now);
    }

    public async ValueTask<bool> ClearOverrideAsync()
    {
        FollowPolicy();
        UsableForAdmin();
        var had = _limits.Override?.InForceAt(Now) == true;
        if (_limits.Override is not null)
        {
            _limits.SetOverride(null, Now);
            await WriteThroughAsync().ConfigureAwait(true);
        }

        return had;
    }

    // An override must not be lost, nor overwrite a state this activation could not read.
    private void UsableForAdmin()
    {
        if (_unavailable)
        {
            DeactivateOnIdle();
            throw new InvalidOperationException($"The state of this '{Policy.Name}' key could not be read; try again.");
        }
    }

    // An admin change waits for the store (decisions never do): written now, not behind; a failed write is retried behind.
    private async Task WriteThroughAsync()
    {
        if (_writing is { } pending)
        {
            await pending.ConfigureAwait(true);
        }

        await WriteAsync().ConfigureAwait(true);
        AfterTurn();
        if (_limits.IsDirty)
        {
            // No decision ran meanwhile (this turn is not interleaved): the write failed. It is retried behind.
            throw new InvalidOperationException($"The change to this '{Policy.Name}' key is in force but could not be stored yet; it is retried.");
        }
    }

    // A reloaded policy applies from the key's next call: usage carried by limit name and algorithm; a removed policy's
    // grain answers this call under the old one and leaves.
    private void FollowPolicy()
    {
        var version = services.Policies.Version;
        if (version == _policyVersion)
        {
            return;
        }

        _policyVersion = version;
        if (!services.Policies.TryResolve(Policy.Name, out var policy))
        {
            DeactivateOnIdle();
        }
        else if (!ReferenceEquals(policy, Policy))
        {
            _limits = _limits.WithPolicy(policy, Now);
        }
    }

    private ValueTask<GrainDecision> Answer(in LimitDecision decision, string? reason = null, bool charged = false)
    {
        AfterTurn();
        return ValueTask.FromResult(new GrainDecision(decision, Policy.LimitNames[decision.LimitIndex], reason, charged));
    }

    // As the stand-in answered a store failure: denied for a second, reported under the first limit.
    private ValueTask<GrainDecision> Unavailable(bool shadow)
    {
        // The next call activates again and retries the read.
        DeactivateOnIdle();
        var decision = Policy.FailureDecision(allowed: false);
        return shadow && Policy.Definition.ShadowMode
            ? ValueTask.FromResult(new GrainDecision(decision with { Allowed = true, RetryAfter = TimeSpan.Zero }, Policy.LimitNames[0], DecisionReasons.ShadowMode))
            : ValueTask.FromResult(new GrainDecision(decision, Policy.LimitNames[0], DecisionReasons.StoreUnavailable));
    }

    private void AfterTurn()
    {
        if (_transient)
        {
            DeactivateOnIdle();
        }
        else if (_limits.IsDirty && !_flushArmed)
        {
            ArmFlush();
        }
    }

    // A timer only while there is something to write: an idle grain costs no timer ticks.
    private void ArmFlush()
    {
        _flushArmed = true;
        var interval = services.Options.FlushInterval;
        _flushTimer = this.RegisterGrainTimer(FlushAsync, new GrainTimerCreationOptions(interval, interval) { Interleave = true, KeepAlive = false });
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_writing is null && _limits.IsDirty)
        {
            await WriteAsync().ConfigureAwait(true);
        }

        // Still dirty (changed while the write was in flight, or the write failed): the timer fires again.
        if (!_limits.IsDirty && _writing is null && _flushArmed)
        {
            _flushTimer?.Dispose();
            _flushTimer = null;
            _flushArmed = false;
        }
    }

    private Task WriteAsync()
    {
        var write = WriteOnceAsync();
        // A write that failed at once has already cleared _writing in its finally.
        _writing = write.IsCompleted ? null : write;
        return write;
    }

    private async Task WriteOnceAsync()
    {
        var storage = services.Storage;
        var fresh = _limits.FreshAfter(Now) <= TimeSpan.Zero;
        _stored.State = new LimitGrainState { Data = fresh ? null : GrainStateCodec.Write(_limits) };
        _limits.IsDirty = false;
        try
        {
            if (!fresh)
            {
                await storage.WriteStateAsync(LimitGrainOptions.StateName, GrainContext.GrainId, _stored).ConfigureAwait(true);
            }
            else if (_stored.RecordExists || _stored.ETag is not null)
            {
                // Equal to a fresh key: delete it rather than keep a useless record.
                await storage.ClearStateAsync(LimitGrainOptions.StateName, GrainContext.GrainId, _stored).ConfigureAwait(true);
            }
        }
        catch (InconsistentStateException e)
        {
            // A second activation wrote since we read (e.g. after a partition): never overwrite it; take it and leave.
            services.Counters.Conflict();
            Log.Conflict(services.Logger, Policy.Name, e);
            await RereadAsync().ConfigureAwait(true);
            DeactivateOnIdle();
        }
        catch (Exception e)
        {
            _limits.IsDirty = true;
            services.Counters.WriteFailed();
            if (services.ShouldLogStoreFailure())
            {
                Log.WriteFailed(services.Logger, Policy.Name, e);
            }
        }
        finally
        {
            _writing = null;
        }
    }

    private async Task RereadAsync()
    {
        var limits = new KeyLimits(_limits.Key, Policy);
        try
        {
            await services.Storage.ReadStateAsync(LimitGrainOptions.StateName, GrainContext.GrainId, _stored).ConfigureAwait(true);
            _limits = limits;
            Restore();
        }
        catch (Exception e) when (e is not InconsistentStateException)
        {
            // Keep deciding from memory until the deactivation; the next activation reads again.
            Log.WriteFailed(services.Logger, Policy.Name, e);
        }
    }

    private void Restore()
    {
        if (_stored.State?.Data is { Length: > 0 } data)
        {
            try
            {
                GrainStateCodec.Read(_limits, data);
            }
            catch (InvalidDataException e)
            {
                _limits = new KeyLimits(_limits.Key, Policy);
                Log.UnreadableState(services.Logger, Policy.Name, e);
            }
        }
    }
}
