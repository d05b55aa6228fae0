using YamlDotNet.Core;

namespace GrainLimiter.Config;

// The policy file as written (YAML, camelCase): every value as its text, with where it was written, so each problem
// names its line. PolicyFileReader fills these; PolicyFileLoader validates them.

/// <summary>A mapping of the file, and where each of its fields was written.</summary>
internal abstract class WrittenNode
{
    public Mark Start { get; init; } = Mark.Empty;

    public Dictionary<string, Mark> Marks { get; } = new(StringComparer.Ordinal);

    /// <summary>Where a field's value was written, or where the mapping starts when the field is absent.</summary>
    public Mark At(string field) => Marks.TryGetValue(field, out var mark) ? mark : Start;
}

internal sealed class PolicyFileModel : WrittenNode
{
    public static readonly string[] Fields = ["policies", "quotaBuckets"];

    public List<PolicyModel?>? Policies { get; set; }

    /// <summary>The <c>quotaBuckets</c> section as written, read by <see cref="Envoy.QuotaBucketRulesReader"/>.</summary>
    public YamlDotNet.RepresentationModel.YamlNode? QuotaBuckets { get; set; }
}

internal sealed class PolicyModel : WrittenNode
{
    public static readonly string[] Fields = ["name", "shadowMode", "failureMode", "scope", "leases", "limits"];

    public string? Name { get; set; }
    public List<LimitModel?>? Limits { get; set; }
    public string? ShadowMode { get; set; }
    public string? FailureMode { get; set; }
    public string? Scope { get; set; }
    public string? Leases { get; set; }
}

internal sealed class LimitModel : WrittenNode
{
    public static readonly string[] Fields =
        ["algorithm", "limit", "window", "burst", "period", "timeZone", "alertAt", "maxWait", "leaseTtl", "adaptive", "name"];

    public string? Algorithm { get; set; }
    public string? Limit { get; set; }
    public string? Window { get; set; }
    public string? Burst { get; set; }
    public string? Period { get; set; }
    public string? TimeZone { get; set; }
    public string? AlertAt { get; set; }
    public string? MaxWait { get; set; }
    public string? LeaseTtl { get; set; }
    public AdaptiveModel? Adaptive { get; set; }
    public string? Name { get; set; }
}

/// <summary>A limit's <c>adaptive</c> mapping: the bounds its limit in force moves between and how it follows reported outcomes.</summary>
internal sealed class AdaptiveModel : WrittenNode
{
    public static readonly string[] Fields = ["min", "max", "by", "rule", "target", "window", "interval", "minSamples", "increase", "decrease"];

    public string? Min { get; set; }
    public string? Max { get; set; }
    public string? By { get; set; }
    public string? Rule { get; set; }
    public string? Target { get; set; }
    public string? Window { get; set; }
    public string? Interval { get; set; }
    public string? MinSamples { get; set; }
    public string? Increase { get; set; }
    public string? Decrease { get; set; }
}
