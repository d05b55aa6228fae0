namespace GrainLimiter.Tests;

/// <summary>A clock that moves only when the test says so, with timers (so <c>Task.Delay(d, clock)</c> waits on it).</summary>
/// <remarks><see cref="ForSilo"/> shows a system under test (a silo) the same time but keeps its background timers real, so only the code under
/// test sleeps on this clock and <see cref="PendingTimers"/> counts exactly its sleepers.</remarks>
public sealed class ManualClock : TimeProvider
{
    private readonly Lock _lock = new();
    private readonly List<ManualTimer> _timers = [];
    private DateTimeOffset _now = new(2026, 3, 14, 12, 0, 0, TimeSpan.Zero);

    public ManualClock()
    {
        ForSilo = new SiloView(this);
    }

    public TimeProvider ForSilo { get; }

    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock) return _now;
    }

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    public int PendingTimers
    {
        get { lock (_lock) return _timers.Count; }
    }

    public DateTimeOffset? NextDue
    {
        get { lock (_lock) return _timers.Count == 0 ? null : _timers.Min(static t => t.Due); }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Moves to <paramref name="time"/> and fires every timer due by then, in due order.</summary>
    public void AdvanceTo(DateTimeOffset time)
    {
        while (true)
        {
            ManualTimer? due;
            lock (_lock)
            {
                due = _timers.Where(t => t.Due <= time).OrderBy(static t => t.Due).FirstOrDefault();
                if (due is null)
                {
                    _now = time > _now ? time : _now;
                    return;
                }

                _now = due.Due > _now ? due.Due : _now;
                _timers.Remove(due);
                due.Rearm();
            }

            due.Fire();
        }
    }

    private void Schedule(ManualTimer timer, bool armed)
    {
        lock (_lock)
        {
            _timers.Remove(timer);
            if (armed)
            {
                _timers.Add(timer);
            }
        }
    }

    private sealed class ManualTimer(ManualClock clock, TimerCallback callback, object? state) : ITimer
    {
        private TimeSpan _period = Timeout.InfiniteTimeSpan;

        public DateTimeOffset Due { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            _period = period;
            if (dueTime == Timeout.InfiniteTimeSpan)
            {
                clock.Schedule(this, armed: false);
                return true;
            }

            Due = clock.GetUtcNow() + dueTime;
            clock.Schedule(this, armed: true);
            return true;
        }

        // Called under the clock's lock: a periodic timer goes back in the list.
        public void Rearm()
        {
            if (_period != Timeout.InfiniteTimeSpan && _period > TimeSpan.Zero)
            {
                Due += _period;
                clock._timers.Add(this);
            }
        }

        public void Fire() => callback(state);

        public void Dispose() => clock.Schedule(this, armed: false);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }

    private sealed class SiloView(ManualClock clock) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => clock.GetUtcNow();
    }
}
