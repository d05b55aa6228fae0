namespace GrainLimiter.Silo.Runtime;

/// <summary>Sends a grain call again when a silo refused it without running it, as happens to a key whose silo is leaving.</summary>
/// <remarks>
/// A silo that stops gracefully deactivates its grains (each writes its state), then refuses every application request
/// still addressed to them: an <see cref="OrleansMessageRejectionException"/>, sent back with an invalidation of the
/// caller's cached address, so the next attempt finds or activates the key on a silo that stays. The grain never ran,
/// so sending again cannot count a check twice. A <see cref="SiloUnavailableException"/> is different: the call may
/// have run on a silo that vanished, and a second attempt could charge twice; it keeps its failure-mode answer.
/// </remarks>
internal static class RefusedCalls
{
    /// <summary>Attempts in all, the first included: a refused call lands on a live silo at the next one.</summary>
    public const int MaxAttempts = 3;

    public static bool NeverRan(Exception e) => e is OrleansMessageRejectionException and not SiloUnavailableException;

    /// <summary>Awaits <paramref name="first"/>; while its attempt was refused unrun, sends <paramref name="again"/> instead.</summary>
    public static async ValueTask<T> AwaitAsync<T, TArg>(ValueTask<T> first, TArg arg, Func<TArg, ValueTask<T>> again)
    {
        var answer = first;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await answer.ConfigureAwait(false);
            }
            catch (Exception e) when (attempt < MaxAttempts && NeverRan(e))
            {
                answer = again(arg);
            }
        }
    }
}
