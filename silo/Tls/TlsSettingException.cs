namespace GrainLimiter.Silo.Tls;

/// <summary>A certificate setting that cannot be used; the message starts with the environment variable to fix.</summary>
public sealed class TlsSettingException(string message, Exception? inner = null) : Exception(message, inner);
