using System.Text.Json;
using System.Text.Json.Serialization;

namespace GrainLimiter.Silo.Fronts.Admin;

// Request bodies of the admin API. Fields are nullable so a missing one is reported by name, not defaulted.

internal sealed class OverrideBody
{
    public List<OverrideItem?>? Limits { get; set; }

    /// <summary>ISO 8601; a string so an unparsable one is reported as this field.</summary>
    public string? ExpiresAt { get; set; }
}

internal sealed class OverrideItem
{
    public string? Name { get; set; }
    public long? Limit { get; set; }
    public double? Multiplier { get; set; }
}

internal sealed class PauseBody
{
    public string? Policy { get; set; }
    public string? Key { get; set; }

    /// <summary>A duration of the policy file's syntax: <c>250ms</c>, <c>10m</c>, <c>1h</c>.</summary>
    public string? For { get; set; }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, MaxDepth = 8)]
[JsonSerializable(typeof(OverrideBody))]
[JsonSerializable(typeof(PauseBody))]
internal sealed partial class AdminJsonContext : JsonSerializerContext;
