namespace GrainLimiter.Silo.Tests.Fixtures;

/// <summary>Awaits a condition instead of sleeping a guessed time.</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:F0} s waiting until {what}.");
            }

            await Task.Delay(25);
        }
    }
}
