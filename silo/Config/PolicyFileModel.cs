namespace GrainLimiter.Silo.Config;

// The policy file as written (YAML, camelCase). Everything is optional here; PolicyFileLoader validates.

internal sealed class PolicyFileModel
{
    public List<PolicyModel>? Policies { get; set; }
}

internal sealed class PolicyModel
{
    public string? Name { get; set; }
    public List<LimitModel>? Limits { get; set; }
    public bool ShadowMode { get; set; }
    public string? FailureMode { get; set; }
    public string? Scope { get; set; }
}

internal sealed class LimitModel
{
    public string? Algorithm { get; set; }
    public long? Limit { get; set; }
    public string? Window { get; set; }
    public long? Burst { get; set; }
    public string? Period { get; set; }
    public string? TimeZone { get; set; }
    public double? AlertAt { get; set; }
    public string? MaxWait { get; set; }
    public string? LeaseTtl { get; set; }
    public string? Name { get; set; }
}
