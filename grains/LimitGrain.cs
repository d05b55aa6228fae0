using GrainLimiter.Adaptive;
using GrainLimiter.Decisions;
using GrainLimiter.Grains.Persistence;
using GrainLimiter.Policies;
using Orleans.Placement;

namespace GrainLimiter.Grains;

/// <summary>The Orleans grain of one (policy, key): a thin adapter that runs <see cref="KeyLimits"/> one turn at a time.</summary>
/// <remarks>
/// Every operation decides synchronously inside its turn; nothing awaits the store. A turn that changed the state offers
/// a snapshot of it to the silo's <see cref="LimitStateWriter"/>, which writes it behind with many others at its next
/// flush (every <see cref="LimitGrainOptions.FlushInterval"/>; not at all for a store that dies with the silo); the grain
/// writes its last state itself on deactivation.
/// A state equal to a fresh one is deleted instead of written. Hash-based placement spreads keys evenly over the silos.
/// </remarks>
[HashBasedPlacement]
public sealed partial class LimitGrain(LimitGrainServices services) : Grain, ILimitGrain, ILimitStateOwner
{
    private const int DeactivationWriteAttempts = 3;
    // What is stored and what waits to be written behind by the silo's LimitStateWriter.
    private LimitStateRecord? _record;
    private KeyLimits _limits = null!;
    // The policy fails closed and the state could not be read: deny until a later activation reads it.
    private bool _unavailable;
    // Over MaxActiveGrains when activated: answer, write and leave.
    private bool _transient;
    private bool _counted;
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
        _activatedAt = Now;
        _limits = new KeyLimits(key, policy, services.Regions.Region);
        _record = new LimitStateRecord(GrainContext.GrainId, this, services.Writer);
        try
        {
            await services.Storage.ReadStateAsync(LimitGrainOptions.StateName, GrainContext.GrainId, _record.Stored).ConfigureAwait(true);
            Restore();
            TakeListedOverride();
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
        // From here on the grain writes its own last state; the silo's writer leaves the record alone.
        var unwritten = _record is { } record && await record.CloseAsync().ConfigureAwait(true);
        var pointless = reason.ReasonCode == DeactivationReasonCode.ShuttingDown && !services.Options.StorageOutlivesSilo;
        if (_record is { Conflicted: false } && (unwritten || _limits?.IsDirty == true) && !pointless)
        {
            var data = Snapshot();
            // The last chance to keep these counts: a failed write (store slow or briefly down) is tried again, a few times.
            for (var attempt = 0; attempt < DeactivationWriteAttempts && !cancellationToken.IsCancellationRequested; attempt++)
            {
                if (attempt > 0)
                {
                    await Task.Delay(services.Options.FlushInterval, services.Time, CancellationToken.None).ConfigureAwait(true);
                }

                var outcome = await services.Writer.WriteAsync(_record, data).ConfigureAwait(true);
                if (outcome == LimitStateWriteOutcome.Conflict)
                {
                    Log.Conflict(services.Logger, Policy.Name);
                }

                if (outcome != LimitStateWriteOutcome.Failed)
                {
                    break;
                }
            }
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

        var (decision, reason, charged) = Decide(Now, cost);
        return Answer(decision, reason, charged);
    }

    // The decision of one call, charged when admitted; a shadow-mode denial comes back admitted with its reason.
    private (LimitDecision Decision, string? Reason, bool Charged) Decide(long now, long cost)
    {
        _limits.Health = services.Regions.Health;
        var decision = _limits.TryAcquire(now, cost);
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

        return (decision, reason, charged);
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

    public ValueTask<bool> ReportAsync(OutcomeTally outcomes)
    {
        FollowPolicy();
        if (_unavailable || !_limits.Report(Now, outcomes))
        {
            return ValueTask.FromResult(false);
        }

        AfterTurn();
        return ValueTask.FromResult(true);
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

    public async ValueTask<GrainDecision> ResetAsync()
    {
        FollowPolicy();
        if (_unavailable)
        {
            return await Unavailable(shadow: false).ConfigureAwait(true);
        }

        // What the holders give back is not credited: the reset forgets every charge anyway.
        await RevokeLeasesAsync(credit: false).ConfigureAwait(true);
        ForgetLeases();
        _limits.Reset();
        if (_limits.IsGlobal)
        {
            // The new reset epoch reaches every peer region with this key's next report: this one.
            PublishRegionCounts();
        }

        return await Answer(_limits.Evaluate(Now, 0)).ConfigureAwait(true);
    }

    public async ValueTask<GrainDecision> PauseAsync(DateTimeOffset until)
    {
        FollowPolicy();
        if (_unavailable)
        {
            return await Unavailable(shadow: false).ConfigureAwait(true);
        }

        await RevokeLeasesAsync(credit: true).ConfigureAwait(true);
        _limits.PauseUntil(until.UtcTicks);
        return await Answer(_limits.Evaluate(Now, 0)).ConfigureAwait(true);
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
        // Units given back are credited under the limits they were charged with, before the override applies.
        await RevokeLeasesAsync(credit: true).ConfigureAwait(true);
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
            await RevokeLeasesAsync(credit: true).ConfigureAwait(true);
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
        AfterTurn(writeNow: true);
        if (!_transient && await services.Writer.WriteNowAsync(_record!).ConfigureAwait(true) != LimitStateWriteOutcome.Written)
        {
            throw new InvalidOperationException($"The change to this '{Policy.Name}' key is in force but could not be stored yet; it is retried.");
        }
    }

    // The key's stored state expired (idle longer than the store keeps it) but its override is still listed: take it up.
    private void TakeListedOverride()
    {
        if (_limits.Override is null && services.Overrides?.Find(Policy.Name, _limits.Key, Now) is { } listed)
        {
            _limits.SetOverride(listed, Now);
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
            ForgetLeases();
            DeactivateOnIdle();
        }
        else if (!ReferenceEquals(policy, Policy))
        {
            // Silos drop their leases of the old policy themselves (each sees the reload); an in-process client does not, so every
            // holder is told. None is credited.
            TellHoldersOfReload();
            ForgetLeases();
            _limits = _limits.WithPolicy(policy, Now);
        }
    }

    private ValueTask<GrainDecision> Answer(in LimitDecision decision, string? reason = null, bool charged = false)
    {
        AfterTurn();
        // Each limit's state only for a policy of several (headers list them all); a one-limit policy pays nothing for it.
        var limits = _limits.LimitCount > 1 ? _limits.EachLimit(Now) : null;
        return ValueTask.FromResult(new GrainDecision(decision, Policy.LimitNames[decision.LimitIndex], reason, charged, limits));
    }

    // As the stand-in answered a store failure: denied for a second, reported under the first limit.
    private ValueTask<GrainDecision> Unavailable(bool shadow)
    {
        // The next call activates again and retries the read.
        DeactivateOnIdle();
        var decision = Policy.FailureDecision(allowed: false);
        return shadow && Policy.Definition.ShadowMode
            ? ValueTask.FromResult(new GrainDecision(decision with { Allowed = true, RetryAfter = TimeSpan.Zero }, Policy.LimitNames[0],
                DecisionReasons.ShadowMode))
            : ValueTask.FromResult(new GrainDecision(decision, Policy.LimitNames[0], DecisionReasons.StoreUnavailable));
    }

    // writeNow: the caller writes the offered snapshot itself, so it is offered even where nothing writes behind.
    private void AfterTurn(bool writeNow = false)
    {
        if (_transient)
        {
            DeactivateOnIdle();
        }
        else if (_limits.IsDirty && (writeNow || services.Options.WritesBehind))
        {
            // The silo's writer writes it at its next flush; nothing here waits for the store.
            _record!.Offer(Snapshot());
        }
    }

    // The state as it is now, for the store; null when it equals a fresh one (the stored record is deleted).
    private byte[]? Snapshot()
    {
        _limits.IsDirty = false;
        return _limits.FreshAfter(Now) <= TimeSpan.Zero ? null : GrainStateCodec.Write(_limits);
    }

    // The writer met another activation's write: take the stored state in a turn of this grain, then leave.
    void ILimitStateOwner.OnStateConflict() =>
        GrainContext.Scheduler.QueueAction(static grain => ((LimitGrain)grain).OnConflictAsync().Ignore(), this);

    private async Task OnConflictAsync()
    {
        if (await RereadAsync().ConfigureAwait(true) is not { } own)
        {
            DeactivateOnIdle();
            return;
        }

        _record!.Reopen();
        if (own)
        {
            // The write that met the conflict only met this activation's own earlier one, which landed though it seemed to fail
            // (Redis died after running it): nobody else wrote, and this state, newer, is written with the stored ETag.
            Log.OwnWriteLanded(services.Logger, Policy.Name);
            _record.Offer(Snapshot());
            return;
        }

        Log.Conflict(services.Logger, Policy.Name);
        DeactivateOnIdle();
    }

    // Reads the stored state: null when that failed; true when it is this activation's own unconfirmed write (kept in memory as it
    // is), false when another activation's (taken instead of this one's).
    private async Task<bool?> RereadAsync()
    {
        var limits = new KeyLimits(_limits.Key, Policy, services.Regions.Region);
        try
        {
            await services.Storage.ReadStateAsync(LimitGrainOptions.StateName, GrainContext.GrainId, _record!.Stored).ConfigureAwait(true);
            if (_record.StoredIsOwnUnconfirmedWrite())
            {
                return true;
            }

            ForgetLeases();
            _limits = limits;
            Restore();
            return false;
        }
        catch (Exception e)
        {
            // Keep deciding from memory until the deactivation (which then writes nothing); the next activation reads again.
            Log.RereadFailed(services.Logger, Policy.Name, e);
            return null;
        }
    }

    private void Restore()
    {
        if (_record!.Stored.State?.Data is { Length: > 0 } data)
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
