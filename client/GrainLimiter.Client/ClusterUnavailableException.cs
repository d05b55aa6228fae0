namespace GrainLimiter.Client;

/// <summary>No silo answered within the deadline (or the circuit is open) and the client was configured to throw
/// (<see cref="GrainLimiterClientOptions.ThrowWhenUnavailable"/>) instead of applying the policy's failure mode.</summary>
public sealed class ClusterUnavailableException(string message, Exception innerException) : Exception(message, innerException);
