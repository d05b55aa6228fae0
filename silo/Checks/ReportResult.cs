namespace GrainLimiter.Silo.Checks;

/// <summary>What a report of outcomes came to (<see cref="ICheckPipeline.ReportAsync"/>).</summary>
/// <param name="Accepted">Outcomes an adaptive limit counted.</param>
/// <param name="Unreachable">Some key's grain could not be reached: its outcomes are lost, and the call fails (UNAVAILABLE, 503).
/// The keys reached counted theirs; outcomes are advisory, so nothing is sent again.</param>
public readonly record struct ReportResult(int Accepted, bool Unreachable = false);
