using System.Collections.Immutable;
using GrainLimiter.Silo.Checks;

namespace GrainLimiter.Silo.Cluster;

/// <summary>Tells whether the silos leaving the cluster right now announced it (a graceful leave), from Orleans' membership.</summary>
/// <remarks>
/// A silo that stops gracefully is ShuttingDown, then Stopping, then Dead; a crashed one goes Dead from Active. When a
/// silo goes Dead, the calls still waiting for it fail with <see cref="SiloUnavailableException"/>; after a graceful
/// leave none of them ran (see <see cref="RefusedCalls"/>), after a crash some may have.
/// </remarks>
public sealed partial class SiloDepartures(IClusterMembershipService membership, TimeProvider time, ILogger<SiloDepartures> logger) : BackgroundService
{
    /// <summary>How long after a silo is seen Dead its departure still explains the calls it broke.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    private readonly Lock _lock = new();
    private ImmutableHashSet<SiloAddress> _announced = [];
    private ClusterMembershipSnapshot? _previous;
    private long _lastGracefulDeath = long.MinValue;
    private long _lastCrash = long.MinValue;

    /// <summary>A silo is leaving, or has just left, after announcing it, and none has crashed meanwhile.</summary>
    public bool OnlyGracefulLeaves
    {
        get
        {
            lock (_lock)
            {
                var now = time.GetTimestamp();
                return !Recent(_lastCrash, now) && (!_announced.IsEmpty || Recent(_lastGracefulDeath, now));
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stoppingToken).ConfigureAwait(false))
            {
                Observe(snapshot);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The silo stops.
        }
        catch (Exception e)
        {
            // Never a reason to stop the silo: without updates no departure is taken for graceful, the cautious answer.
            Log.UpdatesEnded(logger, e);
        }
    }

    /// <summary>Takes in a membership snapshot: each silo whose status changed since the previous one.</summary>
    internal void Observe(ClusterMembershipSnapshot snapshot)
    {
        lock (_lock)
        {
            var now = time.GetTimestamp();
            foreach (var (silo, member) in snapshot.Members)
            {
                var before = _previous?.GetSiloStatus(silo) ?? SiloStatus.None;
                if (member.Status == before)
                {
                    continue;
                }

                if (member.Status is SiloStatus.ShuttingDown or SiloStatus.Stopping)
                {
                    _announced = _announced.Add(silo);
                }
                else if (member.Status == SiloStatus.Dead && _previous is not null)
                {
                    // Dead without having announced it: crashed, or declared dead. The calls it broke may have run.
                    if (_announced.Contains(silo))
                    {
                        _lastGracefulDeath = now;
                    }
                    else
                    {
                        _lastCrash = now;
                    }
                }
            }

            _announced = _announced.Where(s => snapshot.GetSiloStatus(s) is SiloStatus.ShuttingDown or SiloStatus.Stopping).ToImmutableHashSet();
            _previous = snapshot;
        }
    }

    private bool Recent(long timestamp, long now) => timestamp != long.MinValue && time.GetElapsedTime(timestamp, now) < Window;

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Orleans' membership updates ended; calls broken by a silo's death keep their failure-mode answer from now on.")]
        public static partial void UpdatesEnded(ILogger logger, Exception exception);
    }
}
