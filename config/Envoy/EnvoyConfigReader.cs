using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace GrainLimiter.Config.Envoy;

/// <summary>
/// Turns one descriptor file's YAML into <see cref="EnvoyFileModel"/>: every field of the schema as written, each with its
/// position and path. Problems of shape inside the file are worded here and kept on the model for
/// <see cref="EnvoyConfigValidator"/> to report in its walk; only a file that is not YAML or not a mapping is reported
/// here, as it has no model.
/// </summary>
internal sealed class EnvoyConfigReader(string file)
{
    /// <summary>The file as written, or null when it is not YAML or not a mapping (then reported to <paramref name="errors"/>).</summary>
    public static EnvoyFileModel? Read(string text, string file, List<string> errors)
    {
        var node = YamlNodes.Root(text, file, errors);
        if (node is not YamlMappingNode root)
        {
            // Root is null for invalid YAML, already reported, and for a text without a document; the count spans every
            // file loaded together, so a file without a document is reported only when it is the first problem.
            if (node is not null || errors.Count == 0)
            {
                errors.Add(YamlNodes.Problem(file, node?.Start ?? Mark.Empty, "must be a mapping with 'domain' and 'descriptors'."));
            }

            return null;
        }

        var reader = new EnvoyConfigReader(file);
        return new EnvoyFileModel
        {
            Start = root.Start,
            Path = "",
            UnknownFields = reader.UnknownFields(root, "", "a descriptor file", EnvoyFileModel.Fields),
            Domain = reader.Text(root, "domain", "domain"),
            Descriptors = reader.Descriptors(YamlNodes.Child(root, "descriptors"), "descriptors"),
        };
    }

    private EnvoyDescriptorList Descriptors(YamlNode? node, string path)
    {
        // Unlike YamlNodes.IsEmpty, a plain null is not "no list" here: "descriptors: null" is refused as not a list.
        if (node is null || node is YamlScalarNode { Value: null or "" or "~" })
        {
            return EnvoyDescriptorList.None;
        }

        return node is YamlSequenceNode list
            ? new([.. list.Children.Select((item, i) => Descriptor(item, $"{path}[{i}]"))], null)
            : new([], Problem(node, path, "must be a list of descriptors."));
    }

    private EnvoyDescriptorModel Descriptor(YamlNode node, string path)
    {
        if (node is not YamlMappingNode map)
        {
            return new EnvoyDescriptorModel
            {
                Start = node.Start,
                Path = path,
                NotAMapping = Problem(node, path, "must be a mapping with 'key' and optionally 'value', 'rate_limit', 'descriptors'."),
            };
        }

        return new EnvoyDescriptorModel
        {
            Start = map.Start,
            Path = path,
            UnknownFields = UnknownFields(map, path, "a descriptor", EnvoyDescriptorModel.Fields),
            Key = Text(map, "key", path + ".key"),
            Value = Text(map, "value", path + ".value"),
            ShareThreshold = Text(map, "share_threshold", path + ".share_threshold"),
            ValueToMetric = Text(map, "value_to_metric", path + ".value_to_metric"),
            ShadowMode = Text(map, "shadow_mode", path + ".shadow_mode"),
            QuotaMode = Text(map, "quota_mode", path + ".quota_mode"),
            DetailedMetric = Text(map, "detailed_metric", path + ".detailed_metric"),
            Metadata = Metadata(YamlNodes.Child(map, "metadata"), path + ".metadata"),
            RateLimit = YamlNodes.Child(map, "rate_limit") is { } rateLimit ? RateLimit(rateLimit, path + ".rate_limit") : null,
            Descriptors = Descriptors(YamlNodes.Child(map, "descriptors"), path + ".descriptors"),
        };
    }

    private EnvoyMetadataModel Metadata(YamlNode? node, string path)
    {
        if (YamlNodes.IsEmpty(node))
        {
            return default;
        }

        if (node is not YamlMappingNode map)
        {
            return new(null, Problem(node!, path, "must be a mapping (it is returned to Envoy as dynamic metadata)."));
        }

        var metadata = EnvoyMetadata.ToStruct(map, out var problem);
        return new(metadata, problem is null ? null : Problem(map, path, problem));
    }

    private EnvoyRateLimitModel RateLimit(YamlNode node, string path)
    {
        if (node is not YamlMappingNode map)
        {
            return new EnvoyRateLimitModel
            {
                Start = node.Start,
                Path = path,
                NotAMapping = Problem(node, path, "must be a mapping with 'unit' and 'requests_per_unit' (or 'unlimited: true')."),
            };
        }

        return new EnvoyRateLimitModel
        {
            Start = map.Start,
            Path = path,
            UnknownFields = UnknownFields(map, path, "a rate_limit", EnvoyRateLimitModel.Fields),
            Unit = Text(map, "unit", path + ".unit"),
            RequestsPerUnit = Text(map, "requests_per_unit", path + ".requests_per_unit"),
            Unlimited = Text(map, "unlimited", path + ".unlimited"),
            Name = Text(map, "name", path + ".name"),
            Replaces = YamlNodes.Child(map, "replaces") is { } replaces ? Replaces(replaces, path + ".replaces") : null,
            Algorithm = Text(map, "algorithm", path + ".algorithm"),
            Burst = Text(map, "burst", path + ".burst"),
            Scope = Text(map, "scope", path + ".scope"),
        };
    }

    private EnvoyReplacesList Replaces(YamlNode node, string path)
    {
        if (node is not YamlSequenceNode list)
        {
            return new([], Problem(node, path, "must be a list of {name: ...}."));
        }

        // An item that is not a mapping has no name; either way the item's problems are reported where it starts.
        return new([.. list.Children.Select((item, i) => item is YamlMappingNode map
            ? Text(map, "name", $"{path}[{i}].name") with { At = item.Start }
            : new EnvoyText(null, item.Start, $"{path}[{i}].name", null))], null);
    }

    /// <summary>A field that holds one value, as written; a list or a mapping in its place is its problem.</summary>
    private EnvoyText Text(YamlMappingNode map, string field, string path) => YamlNodes.Child(map, field) switch
    {
        null => new(null, map.Start, path, null),
        YamlScalarNode scalar => new(scalar.Value, scalar.Start, path, null),
        var node => new(null, node.Start, path, Problem(node, path, "must be a single value.")),
    };

    private List<string> UnknownFields(YamlMappingNode map, string path, string what, string[] fields)
    {
        var problems = new List<string>();
        YamlNodes.CheckFields(map, path, what, fields, file, problems);
        return problems;
    }

    private string Problem(YamlNode node, string path, string problem) => YamlNodes.Problem(file, node.Start, $"{path}: {problem}");
}
