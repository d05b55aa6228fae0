using GrainLimiter.Membership;
using GrainLimiter.Silo.Runtime.Cluster.Peers;
using GrainLimiter.Storage;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Runtime.Cluster.Membership;

/// <summary>
/// This silo's membership: the current <see cref="ClusterView"/>, built from the membership source, what peers announced
/// and what the failure detector says; joins and graceful leaves; hand-off of grains whenever the view changes.
/// </summary>
/// <remarks>
/// A silo owns keys only while it is active. Ownership moves follow one rule: the silo that loses a key writes the
/// grain's state before the silo that gains it serves it. On join the new silo holds its work until every peer has
/// answered its announcement (each peer hands off before answering); on leave the silo writes and drops every grain
/// before it announces, and holds its own callers until then.
/// </remarks>
public sealed partial class ClusterMembership
{
    private readonly ClusterOptions _options;
    private readonly IMembershipSource _source;
    private readonly FailureDetector _detector;
    private readonly GrainCatalog _catalog;
    private readonly IPeerTransport _peers;
    private readonly TimeProvider _time;
    private readonly ILogger<ClusterMembership> _logger;
    private readonly SemaphoreSlim _refreshLock = new(1, 1);
    private readonly SemaphoreSlim _viewLock = new(1, 1);
    private readonly Lock _peerStatusLock = new();
    private readonly Dictionary<string, SiloStatus> _reportedStatus = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _serving = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile ClusterView _view;
    private volatile Task _handOff = Task.CompletedTask;
    private volatile IReadOnlyList<MemberStatus> _known = [];
    private long _refreshRequested;
    private long _refreshCompleted;
    private volatile SiloStatus _status = SiloStatus.Joining;
    private volatile SiloStatus _publishedStatus = SiloStatus.Joining;

    public ClusterMembership(
        IOptions<ClusterOptions> options, IMembershipSource source, FailureDetector detector, GrainCatalog catalog, IPeerTransport peers, TimeProvider time,
        ILogger<ClusterMembership> logger)
    {
        _options = options.Value;
        _source = source;
        _detector = detector;
        _catalog = catalog;
        _peers = peers;
        _time = time;
        _logger = logger;
        Self = _options.AdvertisedAddress!;
        _view = new ClusterView(0, Self, []);
    }

    public string Self { get; }

    public ClusterView View => _view;

    /// <summary>What this silo tells peers about itself (ping): shutting-down only once its grains are written.</summary>
    public SiloStatus PublishedStatus => _publishedStatus;

    /// <summary>Active, joined and not leaving: what readiness reports.</summary>
    public bool IsServing => _serving.Task.IsCompleted && _status == SiloStatus.Active;

    /// <summary>Completes once this silo may decide the keys it owns (its join announcement was answered).</summary>
    public Task Serving => _serving.Task;

    /// <summary>Completes when no hand-off is holding callers (a leave writes every grain before anyone else serves them).</summary>
    public Task HandOff => _handOff;

    /// <summary>Every address the source and announcements know, to probe.</summary>
    public IEnumerable<MemberStatus> Known => _known;

    /// <summary>Reads the membership source again; concurrent callers share a read that started after they asked.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var requested = Interlocked.Increment(ref _refreshRequested);
        await _refreshLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Interlocked.Read(ref _refreshCompleted) >= requested)
            {
                return;
            }

            var upTo = Interlocked.Read(ref _refreshRequested);
            var members = await _source.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (members is null)
            {
                Log.DeclaredDead(_logger, Self);
                DeclaredDead?.Invoke();
                return;
            }

            _known = members;
            Interlocked.Exchange(ref _refreshCompleted, upTo);
        }
        finally
        {
            _refreshLock.Release();
        }

        await RecomputeAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Raised when the membership table declared this silo dead: it must stop (it is no longer trusted with keys).</summary>
    public event Action? DeclaredDead;

    /// <summary>Goes active: publishes the status, reads the view, announces to every peer and waits for their hand-offs.</summary>
    public async Task JoinAsync(CancellationToken cancellationToken)
    {
        if (!await _source.PublishAsync(SiloStatus.Active, cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"The membership table refused silo {Self}: this incarnation was declared dead.");
        }

        _status = SiloStatus.Active;
        _publishedStatus = SiloStatus.Active;
        await RefreshAsync(cancellationToken).ConfigureAwait(false);
        var announced = await AnnounceAsync(SiloStatus.Active, cancellationToken).ConfigureAwait(false);
        _serving.TrySetResult();
        Log.Joined(_logger, Self, _view.Members.Count, announced);
    }

    /// <summary>Leaves gracefully: stops owning keys, writes and drops every grain, then tells the table and every peer.</summary>
    public async Task LeaveAsync(CancellationToken cancellationToken)
    {
        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _handOff = released.Task;
        try
        {
            _status = SiloStatus.ShuttingDown;
            await RecomputeAsync(cancellationToken).ConfigureAwait(false);
            _publishedStatus = SiloStatus.ShuttingDown;
            try
            {
                await _source.PublishAsync(SiloStatus.ShuttingDown, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Log.PublishFailed(_logger, e);
            }

            var announced = await AnnounceAsync(SiloStatus.ShuttingDown, cancellationToken).ConfigureAwait(false);
            Log.Left(_logger, Self, announced);
        }
        finally
        {
            released.TrySetResult();
        }
    }

    /// <summary>A peer said it joined or is leaving: take it into account and re-read the source before answering.</summary>
    public async Task OnAnnouncedAsync(string peer, SiloStatus status, CancellationToken cancellationToken)
    {
        lock (_peerStatusLock) _reportedStatus[peer] = status;
        if (status == SiloStatus.Active)
        {
            _detector.RecordSuccess(peer);
        }

        await RefreshAsync(cancellationToken).ConfigureAwait(false);
        await RecomputeAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A probe or a call reached the peer; a probe also tells its status.</summary>
    public void ReportReachable(string peer, SiloStatus? reportedStatus = null)
    {
        var statusChanged = false;
        if (reportedStatus is { } status)
        {
            lock (_peerStatusLock)
            {
                statusChanged = !_reportedStatus.TryGetValue(peer, out var previous) || previous != status;
                _reportedStatus[peer] = status;
            }
        }

        if (_detector.RecordSuccess(peer) | statusChanged)
        {
            _ = RecomputeInBackgroundAsync();
        }
    }

    /// <summary>A probe or a call to the peer failed: it is suspect, and dead once it stays silent long enough.</summary>
    public void ReportUnreachable(string peer)
    {
        if (_detector.RecordFailure(peer))
        {
            Log.PeerDead(_logger, peer);
            _ = RecomputeInBackgroundAsync();
        }
    }

    private async Task RecomputeInBackgroundAsync()
    {
        try
        {
            await RecomputeAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Log.RecomputeFailed(_logger, e);
        }
    }

    private async Task RecomputeAsync(CancellationToken cancellationToken)
    {
        await _viewLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var members = new List<string>();
            foreach (var member in _known)
            {
                if (member.Address == Self)
                {
                    continue;
                }

                SiloStatus? reported;
                lock (_peerStatusLock) reported = _reportedStatus.TryGetValue(member.Address, out var s) ? s : null;
                if (member.Status == SiloStatus.Active && (reported is null or SiloStatus.Active) && !_detector.IsDead(member.Address))
                {
                    members.Add(member.Address);
                }
            }

            if (_status == SiloStatus.Active)
            {
                members.Add(Self);
            }

            var current = _view;
            if (current.SameMembers(members))
            {
                return;
            }

            var next = new ClusterView(current.Version + 1, Self, members);
            _view = next;
            Log.ViewChanged(_logger, next.Version, string.Join(",", next.Members));
            var handedOff = await _catalog.HandOffAsync(next.IsLocal, _time.GetUtcNow().UtcTicks, cancellationToken).ConfigureAwait(false);
            if (handedOff > 0)
            {
                Log.HandedOff(_logger, handedOff, next.Version);
            }

            await _peers.RetainAsync(_known.Select(static m => m.Address).ToHashSet(StringComparer.Ordinal)).ConfigureAwait(false);
        }
        finally
        {
            _viewLock.Release();
        }
    }

    private async Task<int> AnnounceAsync(SiloStatus status, CancellationToken cancellationToken)
    {
        var peers = _known.Where(m => m.Address != Self && m.Status != SiloStatus.Dead && !_detector.IsDead(m.Address)).Select(static m => m.Address).ToArray();
        var results = await Task.WhenAll(peers.Select(async peer =>
        {
            try
            {
                await _peers.AnnounceAsync(peer, (int)status, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (PeerUnavailableException e)
            {
                Log.AnnounceFailed(_logger, peer, e.Message);
                return false;
            }
        })).ConfigureAwait(false);
        return results.Count(static ok => ok);
    }

    /// <summary>Whether this silo decides <paramref name="id"/> itself now.</summary>
    public bool IsLocal(GrainId id) => _status == SiloStatus.Active && _view.IsLocal(id);
}
