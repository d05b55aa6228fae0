namespace GrainLimiter.Benchmarks.Load;

/// <summary>Where a row's servers and its load driver ran: only rows of the same layout are ranked against each other.</summary>
internal enum CoreLayout
{
    /// <summary>Server processes and the driver shared every core (no <c>--pin</c>).</summary>
    Shared,

    /// <summary>Every server process on core 0, the driver on core 1 (<c>--pin</c>, checked from each process' affinity).</summary>
    Pinned,

    /// <summary>Server and driver are one process (in-process Orleans, System.Threading.RateLimiting): they cannot be
    /// pinned apart, and have no server CPU of their own to rank by.</summary>
    OneProcess,
}
