using System.Text.Json;
using System.Text.Json.Serialization;

namespace GrainLimiter.Silo.Fronts.Http;

// Request bodies of the HTTP API. Fields are nullable so a missing one is reported by name, not defaulted.

internal sealed class CheckBody
{
    public List<CheckItem?>? Checks { get; set; }
}

internal sealed class CheckItem
{
    public string? Policy { get; set; }
    public string? Key { get; set; }
    public long? Cost { get; set; }
}

internal sealed class KeyBody
{
    public string? Policy { get; set; }
    public string? Key { get; set; }
    public long? LeaseId { get; set; }
}

internal sealed class ReportBody
{
    public List<OutcomeItem?>? Outcomes { get; set; }
}

internal sealed class OutcomeItem
{
    public string? Policy { get; set; }
    public string? Key { get; set; }
    public bool? Failed { get; set; }
    public double? LatencyMs { get; set; }
    public int? Status { get; set; }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, MaxDepth = 8)]
[JsonSerializable(typeof(CheckBody))]
[JsonSerializable(typeof(KeyBody))]
[JsonSerializable(typeof(ReportBody))]
internal sealed partial class HttpJsonContext : JsonSerializerContext;
