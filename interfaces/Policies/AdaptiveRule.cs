namespace GrainLimiter.Policies;

/// <summary>How an adaptive limit turns its callers' health score (0..1) into the limit in force.</summary>
public enum AdaptiveRule
{
    /// <summary><c>min + (max - min) * health</c> of the smoothed outcomes: good callers earn up to max, failing ones fall to min.</summary>
    Multiplier,

    /// <summary>Additive increase after a healthy interval, multiplicative decrease after an unhealthy one (TCP's rule): finds
    /// the capacity of an upstream whose limit is unknown.</summary>
    Aimd,
}
