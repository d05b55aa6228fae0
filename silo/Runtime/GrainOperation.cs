namespace GrainLimiter.Silo.Runtime;

/// <summary>What one turn of a grain does.</summary>
internal enum GrainOperation
{
    Acquire,
    Evaluate,
    Refund,
    Release,
    Reset,
    /// <summary>Deny until a time: the cost argument carries its UTC ticks.</summary>
    Pause,
}
