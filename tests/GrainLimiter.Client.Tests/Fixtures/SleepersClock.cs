namespace GrainLimiter.Client.Tests.Fixtures;

/// <summary>A <see cref="FakeTimeProvider"/> that also knows how many of its timers are armed and when the next one is due, so a
/// test can move time only once every worker sleeps on it, and exactly to the next wake-up.</summary>
/// <remarks><see cref="ForSilo"/> shows a silo the same time but keeps the silo's own background timers real, so only the code under
/// test sleeps on this clock and <see cref="Sleepers"/> counts exactly its sleepers.</remarks>
public sealed class SleepersClock : FakeTimeProvider
{
    private readonly Lock _lock = new();
    private readonly Dictionary<CountedTimer, DateTimeOffset> _armed = [];

    public SleepersClock()
        : base(new DateTimeOffset(2026, 3, 14, 12, 0, 0, TimeSpan.Zero))
    {
        ForSilo = new SiloView(this);
    }

    public TimeProvider ForSilo { get; }

    public int Sleepers
    {
        get { lock (_lock) return _armed.Count; }
    }

    public DateTimeOffset? NextDue
    {
        get { lock (_lock) return _armed.Count == 0 ? null : _armed.Values.Min(); }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new CountedTimer(this, callback, state);
        timer.Start(base.CreateTimer(static t => ((CountedTimer)t!).Fire(), timer, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan), dueTime, period);
        return timer;
    }

    private void Arm(CountedTimer timer, DateTimeOffset? due)
    {
        lock (_lock)
        {
            if (due is { } at)
            {
                _armed[timer] = at;
            }
            else
            {
                _armed.Remove(timer);
            }
        }
    }

    private sealed class CountedTimer(SleepersClock clock, TimerCallback callback, object? state) : ITimer
    {
        private ITimer _inner = null!;
        private TimeSpan _period = Timeout.InfiniteTimeSpan;

        public void Start(ITimer inner, TimeSpan dueTime, TimeSpan period)
        {
            _inner = inner;
            Change(dueTime, period);
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            _period = period;
            clock.Arm(this, dueTime == Timeout.InfiniteTimeSpan ? null : clock.GetUtcNow() + dueTime);
            return _inner.Change(dueTime, period);
        }

        public void Fire()
        {
            var periodic = _period != Timeout.InfiniteTimeSpan && _period > TimeSpan.Zero;
            clock.Arm(this, periodic ? clock.GetUtcNow() + _period : null);
            callback(state);
        }

        public void Dispose()
        {
            clock.Arm(this, null);
            _inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }

    private sealed class SiloView(TimeProvider clock) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => clock.GetUtcNow();
    }
}
