using Google.Protobuf.WellKnownTypes;
using YamlDotNet.Core;

namespace GrainLimiter.Config.Envoy;

// One descriptor file as written: every value as its text, with where it was written and the path problems call it.
// EnvoyConfigReader fills these; EnvoyConfigValidator turns them into descriptor trees. A problem of shape (a list where one
// value belongs, a field that is not in the schema) is kept, fully worded, on the node it belongs to rather than reported:
// the validator reports it when its walk reaches that node, so shape and value problems come out together in the order
// the fields are checked, and nothing under a descriptor the validator skips is reported.

/// <summary>A field that holds one value: its text (null when absent or not one value), where it was written (where the
/// mapping holding it starts when absent), the path problems call it, and the problem when it is a list or a mapping.</summary>
internal readonly record struct EnvoyText(string? Text, Mark At, string Path, string? Problem);

/// <summary>A mapping of the file: where it starts, the path problems call it, and its problems of shape.</summary>
internal abstract record EnvoyMappingModel
{
    public required Mark Start { get; init; }

    public required string Path { get; init; }

    /// <summary>Why the node is not a mapping, or null; when set, nothing else of the node was read.</summary>
    public string? NotAMapping { get; init; }

    /// <summary>One problem for each key that is not a field of this mapping, in the order written.</summary>
    public IReadOnlyList<string> UnknownFields { get; init; } = [];
}

internal sealed record EnvoyFileModel : EnvoyMappingModel
{
    public static readonly string[] Fields = ["domain", "descriptors"];

    public EnvoyText Domain { get; init; }

    public EnvoyDescriptorList Descriptors { get; init; } = EnvoyDescriptorList.None;
}

/// <summary>A <c>descriptors</c> list: its items, or why it is not a list.</summary>
internal sealed record EnvoyDescriptorList(IReadOnlyList<EnvoyDescriptorModel> Items, string? NotAList)
{
    /// <summary>No list: the field is absent or its value empty.</summary>
    public static readonly EnvoyDescriptorList None = new([], null);
}

internal sealed record EnvoyDescriptorModel : EnvoyMappingModel
{
    public static readonly string[] Fields =
        ["key", "value", "rate_limit", "descriptors", "shadow_mode", "quota_mode", "detailed_metric", "value_to_metric", "share_threshold", "metadata"];

    public EnvoyText Key { get; init; }
    public EnvoyText Value { get; init; }
    public EnvoyText ShareThreshold { get; init; }
    public EnvoyText ValueToMetric { get; init; }
    public EnvoyText ShadowMode { get; init; }
    public EnvoyText QuotaMode { get; init; }
    public EnvoyText DetailedMetric { get; init; }
    public EnvoyMetadataModel Metadata { get; init; }

    /// <summary>The <c>rate_limit</c> field, null when absent.</summary>
    public EnvoyRateLimitModel? RateLimit { get; init; }

    public EnvoyDescriptorList Descriptors { get; init; } = EnvoyDescriptorList.None;
}

/// <summary>A descriptor's <c>metadata</c> as the Struct Envoy receives (null when absent or invalid), or why it is invalid.</summary>
internal readonly record struct EnvoyMetadataModel(Struct? Value, string? Problem);

internal sealed record EnvoyRateLimitModel : EnvoyMappingModel
{
    public static readonly string[] Fields = ["unit", "requests_per_unit", "unlimited", "name", "replaces", "algorithm", "burst", "scope"];

    public EnvoyText Unit { get; init; }
    public EnvoyText RequestsPerUnit { get; init; }
    public EnvoyText Unlimited { get; init; }
    public EnvoyText Name { get; init; }

    /// <summary>The <c>replaces</c> field, null when absent.</summary>
    public EnvoyReplacesList? Replaces { get; init; }

    public EnvoyText Algorithm { get; init; }
    public EnvoyText Burst { get; init; }
    public EnvoyText Scope { get; init; }
}

/// <summary>A <c>replaces</c> list: each item's <c>name</c>, at where the item starts (its problems are reported there), or
/// why it is not a list.</summary>
internal sealed record EnvoyReplacesList(IReadOnlyList<EnvoyText> Names, string? NotAList);
