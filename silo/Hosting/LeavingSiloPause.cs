using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace GrainLimiter.Silo.Hosting;

/// <summary>A stopping silo waits between refusing application calls and telling the cluster it is dead.</summary>
/// <remarks>
/// By then its grains are written and deactivated. Meanwhile every call still reaching it (a caller's cached address) is
/// refused unrun and sent again to the key's new silo (<see cref="Checks.RefusedCalls"/>), and every call it forwarded
/// before refusing has been answered or has timed out (one forwarded call slower than 4 s, which only a starved machine
/// makes, could be counted twice when it is sent again). Without the pause it was declared dead at once: the calls on their
/// way to it failed (owner_unreachable), and whether a forwarded one had run could not be told.
/// </remarks>
internal sealed class LeavingSiloPause(IOptions<SiloMessagingOptions> messaging) : ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>One ResponseTimeout, at most 4 s (a forwarded call takes milliseconds; a longer timeout would only make every
    /// leave slower), and the second Orleans may take to notice that a call timed out.</summary>
    public static TimeSpan For(TimeSpan responseTimeout) => TimeSpan.FromSeconds(Math.Min(responseTimeout.TotalSeconds, 4) + 1);

    public void Participate(ISiloLifecycle lifecycle) =>
        // Stops after RuntimeServices, which blocks application messages, and before the membership agent's last stage,
        // which declares the silo dead.
        lifecycle.Subscribe(nameof(LeavingSiloPause), ServiceLifecycleStage.RuntimeServices - 1, static _ => Task.CompletedTask,
            async cancellation => await Task.Delay(For(messaging.Value.ResponseTimeout), cancellation).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing));
}
