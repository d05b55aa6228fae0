using GrainLimiter.Silo.Cluster;

namespace GrainLimiter.Silo.Checks;

/// <summary>Sends a grain call again when it failed without running, as the calls to a leaving silo's keys do.</summary>
/// <remarks>
/// A silo that stops gracefully writes and deactivates its grains, then refuses every application call still reaching
/// it (an <see cref="OrleansMessageRejectionException"/>, with an invalidation of the caller's cached address) for a
/// pause before it tells the cluster it is dead (<see cref="Hosting.LeavingSiloPause"/>). A refused call never
/// ran; sent again, it finds or activates its key on a silo that stays. When the leaving silo is declared dead, Orleans
/// fails the calls still waiting for it with a <see cref="SiloUnavailableException"/>: they reached it after it stopped
/// running grains, and any call it forwarded before that has been answered by then, so none of them ran either, and
/// they are sent again too. After a crash the same exception may follow a call that ran (a second attempt
/// could charge twice): it keeps its failure-mode answer, as does a timeout.
/// </remarks>
public sealed class RefusedCalls(SiloDepartures departures)
{
    /// <summary>Attempts in all, the first included: a refused call lands on a live silo at the next one.</summary>
    public const int MaxAttempts = 3;

    public bool NeverRan(Exception e) => e switch
    {
        SiloUnavailableException => departures.OnlyGracefulLeaves,
        OrleansMessageRejectionException => true,
        _ => false,
    };

    /// <summary>Awaits <paramref name="first"/>; while its attempt failed unrun, sends <paramref name="again"/> instead.</summary>
    public async ValueTask<T> AwaitAsync<T, TArg>(ValueTask<T> first, TArg arg, Func<TArg, ValueTask<T>> again)
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
