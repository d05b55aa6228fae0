namespace GrainLimiter.Tests;

/// <summary>A clock tests move by hand. Its timestamp frequency is deliberately odd to catch tick assumptions.</summary>
public sealed class FakeTimeProvider : TimeProvider
{
    private const long OddFrequency = TimeSpan.TicksPerSecond * 7 / 3;
    private readonly Lock _lock = new();
    private DateTimeOffset _now;

    public FakeTimeProvider(DateTimeOffset? start = null)
    {
        _now = start ?? new DateTimeOffset(2026, 3, 14, 12, 0, 0, TimeSpan.Zero);
    }

    public override long TimestampFrequency => OddFrequency;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock) return _now;
    }

    public override long GetTimestamp()
    {
        lock (_lock) return (long)((decimal)_now.UtcTicks * OddFrequency / TimeSpan.TicksPerSecond);
    }

    public void Advance(TimeSpan by)
    {
        lock (_lock) _now += by;
    }

    public void SetUtcNow(DateTimeOffset now)
    {
        lock (_lock) _now = now;
    }

    public long UtcTicks => GetUtcNow().UtcTicks;
}
