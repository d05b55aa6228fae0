namespace GrainLimiter.Silo.Fronts.Envoy;

/// <summary>Descriptor configuration that cannot be used; the message names every file, path and problem.</summary>
public sealed class EnvoyConfigException(string message) : Exception(message);
