using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Silo.Tests.Cluster;

/// <summary>
/// The fronts callers are spread over, as a Kubernetes Service's endpoints: a silo is added once ready and removed before
/// it is stopped (the endpoints controller's part during the preStop sleep), and the requests it still serves are counted
/// so a test can await them before the SIGTERM.
/// </summary>
internal sealed class FrontRotation
{
    private readonly Lock _lock = new();
    private readonly Dictionary<SiloProcess, int> _inFlight = [];
    private SiloProcess[] _fronts;

    public FrontRotation(IEnumerable<SiloProcess> fronts) => _fronts = [.. fronts];

    public IReadOnlyList<SiloProcess> Fronts => Volatile.Read(ref _fronts);

    public void Add(SiloProcess front)
    {
        lock (_lock)
        {
            _fronts = [.. _fronts, front];
        }
    }

    /// <summary>No new request goes to <paramref name="front"/>; those in flight finish (<see cref="InFlight"/>).</summary>
    public void Remove(SiloProcess front)
    {
        lock (_lock)
        {
            _fronts = [.. _fronts.Where(f => f != front)];
        }
    }

    /// <summary>The front for a caller's <paramref name="turn"/>, counted in flight until <see cref="Return"/>.</summary>
    public SiloProcess Take(int turn)
    {
        lock (_lock)
        {
            var front = _fronts[turn % _fronts.Length];
            _inFlight[front] = _inFlight.GetValueOrDefault(front) + 1;
            return front;
        }
    }

    public void Return(SiloProcess front)
    {
        lock (_lock)
        {
            _inFlight[front]--;
        }
    }

    public int InFlight(SiloProcess front)
    {
        lock (_lock)
        {
            return _inFlight.GetValueOrDefault(front);
        }
    }
}
