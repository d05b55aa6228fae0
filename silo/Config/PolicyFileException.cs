namespace GrainLimiter.Silo.Config;

/// <summary>A policy file that cannot be used; the message names the file, policy, field and problem.</summary>
public sealed class PolicyFileException(string message, Exception? inner = null) : Exception(message, inner);
