using GrainLimiter.Storage;

namespace GrainLimiter.Silo.Runtime;

/// <summary>This silo does not own the grain in its current view (it moved, or this silo is leaving): the caller re-routes.</summary>
public sealed class NotOwnerException(GrainId id) : Exception($"This silo does not own the '{id.Policy}' grain in its current view.");
