namespace GrainLimiter.Silo.Runtime;

/// <summary>What one turn of a grain does.</summary>
internal enum GrainOperation
{
    Acquire,
    Evaluate,
    Refund,
    Release,
    Reset,
}
