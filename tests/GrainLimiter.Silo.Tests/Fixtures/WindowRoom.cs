namespace GrainLimiter.Silo.Tests.Fixtures;

/// <summary>For tests whose silos run on real time with windows aligned to the epoch (global limits need them): start only when the
/// current window has room for the whole test, so no test sees its counts start again at a boundary by bad luck.</summary>
public static class WindowRoom
{
    /// <summary>Returns at once when the current <paramref name="window"/> lasts at least <paramref name="needed"/> more; otherwise
    /// when the next one has begun.</summary>
    public static Task AwaitAsync(TimeSpan window, TimeSpan needed)
    {
        var left = window.Ticks - ((DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) % window.Ticks);
        return left >= needed.Ticks ? Task.CompletedTask : Task.Delay(TimeSpan.FromTicks(left) + TimeSpan.FromSeconds(1));
    }
}
