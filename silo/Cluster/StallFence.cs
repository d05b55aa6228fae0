namespace GrainLimiter.Silo.Cluster;

/// <summary>Holds this silo's decisions back after it stopped running for a while, until Orleans' membership table says it is still active.</summary>
/// <remarks>
/// A silo frozen (SIGSTOP, a paused VM, a pause of the whole process) for longer than the cluster's failure detection may have been
/// declared dead meanwhile and its keys activated again on the others. Its own activations are still in memory: once it runs again its
/// fronts would decide from counts the keys' new owners never see, until its next read of the membership table finds it dead (and
/// Orleans then lets it run 2 s more before it exits). So every decision first compares the time with a heartbeat ticking every
/// quarter of <see cref="StallLimit"/>: after a longer gap it waits for a fresh read of the table (at most <see cref="ReadTimeout"/>);
/// a silo still listed alive decides as before, one found dead (or a read that failed or did not come) answers by the failure mode.
/// A gap shorter than the detection time cannot have let another silo take the keys over: that needs the death declaration
/// and then the grain directory's lease, one more <c>TableRefreshTimeout</c>.
/// </remarks>
public sealed partial class StallFence : BackgroundService
{
    private readonly IClusterMembershipService? _membership;
    private readonly ILocalSiloDetails? _self;
    private readonly TimeProvider _time;
    private readonly ILogger<StallFence> _logger;
    private readonly Lock _lock = new();
    private long _heartbeat;
    private Task<bool>? _confirming;
    private volatile bool _dead;

    /// <summary>Why a silo held back by its fence decides nothing.</summary>
    public const string NotKnownAlive =
        "This silo stopped running for longer than the cluster's failure detection and is not known to be alive: it decides nothing.";

    /// <summary>A fence that never holds anything back: a single silo has no one to declare it dead.</summary>
    public StallFence(TimeProvider time, ILogger<StallFence> logger)
    {
        _time = time;
        _logger = logger;
        _heartbeat = time.GetTimestamp();
    }

    /// <summary>A fence for a silo of a cluster whose failure detection takes <paramref name="stallLimit"/>; a decision waits for the
    /// table at most <paramref name="readTimeout"/> (a grain call's ResponseTimeout: no longer than a call to a hung grain).</summary>
    public StallFence(IClusterMembershipService membership, ILocalSiloDetails self, TimeSpan stallLimit, TimeSpan readTimeout, TimeProvider time,
        ILogger<StallFence> logger)
        : this(time, logger)
    {
        _membership = membership;
        _self = self;
        StallLimit = stallLimit;
        ReadTimeout = readTimeout;
    }

    /// <summary>The longest gap in the heartbeat after which decisions wait for the membership table.</summary>
    public TimeSpan StallLimit { get; } = TimeSpan.MaxValue;

    /// <summary>The longest a decision waits for the membership table after a stall.</summary>
    public TimeSpan ReadTimeout { get; }

    /// <summary>True when this silo may decide now without asking the membership table first.</summary>
    public bool Open => _membership is null || (!_dead && Volatile.Read(ref _confirming) is null && !Stalled(_time.GetTimestamp()));

    /// <summary>Waits until the membership table was read since the stall: true when it still lists this silo alive.</summary>
    public async ValueTask<bool> ConfirmAsync()
    {
        if (Open)
        {
            return true;
        }

        if (_dead)
        {
            return false;
        }

        try
        {
            return await Confirming().WaitAsync(ReadTimeout, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_membership is null)
        {
            return;
        }

        // Construction to start may take long (JIT, other services): that is no stall.
        Volatile.Write(ref _heartbeat, _time.GetTimestamp());
        using var timer = new PeriodicTimer(StallLimit / 4, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                Beat();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The silo stops.
        }
    }

    /// <summary>One tick of the heartbeat: after a gap the heartbeat stays where it was until the table is read.</summary>
    internal void Beat()
    {
        var now = _time.GetTimestamp();
        if (_membership!.CurrentSnapshot.GetSiloStatus(_self!.SiloAddress) == SiloStatus.Dead)
        {
            // Orleans found it dead in the table (it exits 2 s later): nothing decided here counts anywhere.
            _dead = true;
        }
        else if (Stalled(now))
        {
            _ = Confirming();
        }
        else if (Volatile.Read(ref _confirming) is null)
        {
            Volatile.Write(ref _heartbeat, now);
        }
    }

    private bool Stalled(long now) => _time.GetElapsedTime(Volatile.Read(ref _heartbeat), now) > StallLimit;

    private Task<bool> Confirming()
    {
        lock (_lock)
        {
            // Run apart: a read that completed at once must not clear the field before it is set.
            return _confirming ??= Task.Run(ReadTableAsync);
        }
    }

    private async Task<bool> ReadTableAsync()
    {
        var stalledFor = _time.GetElapsedTime(Volatile.Read(ref _heartbeat));
        var alive = false;
        try
        {
            await _membership!.Refresh().ConfigureAwait(false);
            alive = _membership.CurrentSnapshot.GetSiloStatus(_self!.SiloAddress) != SiloStatus.Dead;
            _dead = !alive;
        }
        catch (Exception e)
        {
            // The store is down: no decision until a read succeeds (the next decision starts one).
            Log.ReadFailed(_logger, e);
        }

        Log.Stalled(_logger, stalledFor.TotalMilliseconds, alive);
        lock (_lock)
        {
            if (alive)
            {
                Volatile.Write(ref _heartbeat, _time.GetTimestamp());
            }

            _confirming = null;
        }

        return alive;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "This silo stopped running for {StalledMs} ms, longer than the cluster's failure detection; after reading the " +
            "membership table it is alive: {Alive} (a dead silo decides nothing more).")]
        public static partial void Stalled(ILogger logger, double stalledMs, bool alive);

        [LoggerMessage(2, LogLevel.Warning, "Reading the membership table after a stall failed; decisions wait for the next read.")]
        public static partial void ReadFailed(ILogger logger, Exception exception);
    }
}
