namespace GrainLimiter.Silo.Runtime;

/// <summary>A grain could not be activated because its state could not be loaded, and its policy fails closed.</summary>
public sealed class StoreUnavailableException(string message, Exception inner) : Exception(message, inner);
