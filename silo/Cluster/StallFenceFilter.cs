namespace GrainLimiter.Silo.Cluster;

/// <summary>Checks the <see cref="StallFence"/> before any grain of this silo runs a call: a silo not known to be alive refuses it.</summary>
/// <remarks>
/// The fronts check the fence before they call a grain, but a call already queued when the silo stopped, or one sent by an Orleans
/// client through this silo's gateway, reaches the activation only once the silo runs again; its answer would come from counts the
/// key's new owner never sees. Refused, it fails as an unreachable owner does: its caller answers by the policy's failure mode.
/// </remarks>
public sealed class StallFenceFilter(StallFence fence) : IIncomingGrainCallFilter
{
    public Task Invoke(IIncomingGrainCallContext context) => fence.Open ? context.Invoke() : InvokeOnceConfirmedAsync(context);

    private async Task InvokeOnceConfirmedAsync(IIncomingGrainCallContext context)
    {
        // ConfigureAwait(true): the call must go on in its activation's turn.
        if (!await fence.ConfirmAsync().ConfigureAwait(true))
        {
            throw new InvalidOperationException(StallFence.NotKnownAlive);
        }

        await context.Invoke().ConfigureAwait(true);
    }
}
