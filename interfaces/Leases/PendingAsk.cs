namespace GrainLimiter.Leases;

/// <summary>A holder's ask on its way to a key's grain (<see cref="LeaseHolder.BeginAsk"/>): what to send, and what the answer is for.</summary>
public sealed class PendingAsk
{
    internal PendingAsk(LeaseAsk ask, string policy, string key, long cost, object version, KeyHold? hold, long sentAt)
    {
        Ask = ask;
        Policy = policy;
        Key = key;
        Cost = cost;
        Version = version;
        Hold = hold;
        SentAt = sentAt;
    }

    /// <summary>What the grain is sent with the call (<see cref="Grains.ILimitGrain.AcquireLeasedAsync"/>).</summary>
    public LeaseAsk Ask { get; }

    internal string Policy { get; }

    internal string Key { get; }

    internal long Cost { get; }

    internal object Version { get; }

    // Null for a key not held here (a flood past MaxHeldKeys): the answer is used once, nothing of it kept.
    internal KeyHold? Hold { get; }

    // Monotonic timestamp of the send: a lease's TTL and a denial's time count from it.
    internal long SentAt { get; }
}
