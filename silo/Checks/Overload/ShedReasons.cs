namespace GrainLimiter.Silo.Checks.Overload;

/// <summary>The <c>reason</c> label of <c>grainlimiter_shed_total</c>: why a check was answered as overloaded.</summary>
public static class ShedReasons
{
    /// <summary><c>GrainLimiter:MaxChecksInFlight</c> checks were being decided and the queue was full (or off).</summary>
    public const string InFlight = "in_flight";

    /// <summary>The check's grains did not answer before its deadline (less the margin), or it waited in the queue that long.</summary>
    public const string Deadline = "deadline";

    /// <summary>Orleans refused a grain call as overloaded: the key's queue was full (<c>GrainLimiter:MaxQueuedCallsPerKey</c>) or a
    /// gateway shed load.</summary>
    public const string Orleans = "orleans";
}
