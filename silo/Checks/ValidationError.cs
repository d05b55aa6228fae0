namespace GrainLimiter.Silo.Checks;

/// <summary>What is wrong with a request, and in which field.</summary>
public sealed record ValidationError(string Field, string Message)
{
    public override string ToString() => $"{Field} {Message}";
}
