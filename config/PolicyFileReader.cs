using YamlDotNet.RepresentationModel;
using static GrainLimiter.Config.YamlNodes;

namespace GrainLimiter.Config;

/// <summary>
/// Turns policy-file YAML into <see cref="PolicyFileModel"/>, each value with where it was written. Every field that is
/// not one of the model's is reported (all of them, not the first), with the fields allowed there and the closest one.
/// </summary>
internal sealed class PolicyFileReader(string file, List<string> errors)
{
    public static PolicyFileModel? Read(string text, string file, List<string> errors) => new PolicyFileReader(file, errors).Read(text);

    private PolicyFileModel? Read(string text)
    {
        var root = Root(text, file, errors);
        if (root is null || IsEmpty(root))
        {
            return errors.Count > 0 ? null : new PolicyFileModel { Start = root?.Start ?? YamlDotNet.Core.Mark.Empty };
        }

        if (root is not YamlMappingNode map)
        {
            Error(root, "the file must be a mapping whose field 'policies' lists the policies.");
            return null;
        }

        CheckFields(map, "", "the policy file", PolicyFileModel.Fields, file, errors);
        var model = new PolicyFileModel { Start = map.Start };
        var policies = Child(map, "policies");
        if (!IsEmpty(policies))
        {
            model.Marks["policies"] = policies!.Start;
            model.Policies = List(policies, "policies", "policies", (node, path) => Policy(node, path));
        }

        model.QuotaBuckets = Child(map, "quotaBuckets");
        return model;
    }

    private PolicyModel? Policy(YamlNode node, string path)
    {
        if (node is not YamlMappingNode map)
        {
            Error(node, $"{path}: must be a mapping of a policy's fields ({string.Join(", ", PolicyModel.Fields)}).");
            return null;
        }

        var policy = new PolicyModel { Start = map.Start };
        policy.Name = Scalar(map, "name", path, policy);
        var named = string.IsNullOrWhiteSpace(policy.Name) ? path : $"{path} '{policy.Name}'";
        CheckFields(map, named, "a policy", PolicyModel.Fields, file, errors);
        policy.ShadowMode = Scalar(map, "shadowMode", named + ":", policy);
        policy.FailureMode = Scalar(map, "failureMode", named + ":", policy);
        policy.Scope = Scalar(map, "scope", named + ":", policy);
        policy.Leases = Scalar(map, "leases", named + ":", policy);
        if (Child(map, "limits") is { } limits && !IsEmpty(limits))
        {
            policy.Marks["limits"] = limits.Start;
            policy.Limits = List(limits, $"{named}: limits", "limits", (item, itemPath) => Limit(item, itemPath));
        }

        return policy;
    }

    private LimitModel? Limit(YamlNode node, string path)
    {
        if (node is not YamlMappingNode map)
        {
            Error(node, $"{path}: must be a mapping of a limit's fields, e.g. {{ algorithm: fixed_window, limit: 100, window: 1m }}.");
            return null;
        }

        CheckFields(map, path, "a limit", LimitModel.Fields, file, errors);
        var limit = new LimitModel { Start = map.Start };
        limit.Algorithm = Scalar(map, "algorithm", path, limit);
        limit.Limit = Scalar(map, "limit", path, limit);
        limit.Window = Scalar(map, "window", path, limit);
        limit.Burst = Scalar(map, "burst", path, limit);
        limit.Period = Scalar(map, "period", path, limit);
        limit.TimeZone = Scalar(map, "timeZone", path, limit);
        limit.AlertAt = Scalar(map, "alertAt", path, limit);
        limit.MaxWait = Scalar(map, "maxWait", path, limit);
        limit.LeaseTtl = Scalar(map, "leaseTtl", path, limit);
        limit.Name = Scalar(map, "name", path, limit);
        if (Child(map, "adaptive") is { } adaptive && !IsEmpty(adaptive))
        {
            limit.Marks["adaptive"] = adaptive.Start;
            limit.Adaptive = Adaptive(adaptive, $"{path}.adaptive");
        }

        return limit;
    }

    private AdaptiveModel? Adaptive(YamlNode node, string path)
    {
        if (node is not YamlMappingNode map)
        {
            Error(node, $"{path}: must be a mapping of how the limit adapts, e.g. {{ min: 20, max: 400 }}.");
            return null;
        }

        CheckFields(map, path, "an adaptive limit", AdaptiveModel.Fields, file, errors);
        var adaptive = new AdaptiveModel { Start = map.Start };
        adaptive.Min = Scalar(map, "min", path, adaptive);
        adaptive.Max = Scalar(map, "max", path, adaptive);
        adaptive.By = Scalar(map, "by", path, adaptive);
        adaptive.Rule = Scalar(map, "rule", path, adaptive);
        adaptive.Target = Scalar(map, "target", path, adaptive);
        adaptive.Window = Scalar(map, "window", path, adaptive);
        adaptive.Interval = Scalar(map, "interval", path, adaptive);
        adaptive.MinSamples = Scalar(map, "minSamples", path, adaptive);
        adaptive.Increase = Scalar(map, "increase", path, adaptive);
        adaptive.Decrease = Scalar(map, "decrease", path, adaptive);
        return adaptive;
    }

    /// <summary>A list's items, null for those that are empty or not mappings (reported here).</summary>
    private List<T?>? List<T>(YamlNode node, string path, string what, Func<YamlNode, string, T?> item) where T : class
    {
        if (node is not YamlSequenceNode list)
        {
            Error(node, $"{path}: must be a list of {what} (each item starting with '- ').");
            return null;
        }

        var items = new List<T?>(list.Children.Count);
        for (var i = 0; i < list.Children.Count; i++)
        {
            var itemPath = $"{path}[{i}]";
            if (IsEmpty(list.Children[i]))
            {
                Error(list.Children[i], $"{itemPath}: is empty.");
                items.Add(null);
            }
            else
            {
                items.Add(item(list.Children[i], itemPath));
            }
        }

        return items;
    }

    /// <summary>A field's text, or null when absent or empty; a list or mapping where one value belongs is reported.</summary>
    private string? Scalar(YamlMappingNode map, string field, string path, WrittenNode into)
    {
        var node = Child(map, field);
        if (node is null)
        {
            return null;
        }

        into.Marks[field] = node.Start;
        if (node is not YamlScalarNode scalar)
        {
            Error(node, $"{Join(path, field)}: must be a single value, not a list or a mapping.");
            return null;
        }

        return IsEmpty(scalar) ? null : scalar.Value;
    }

    // "policies[0]" + "name" => "policies[0].name"; "policies[0] 'a':" + "scope" => "policies[0] 'a': scope".
    private static string Join(string path, string field) => path.EndsWith(':') ? $"{path} {field}" : $"{path}.{field}";

    private void Error(YamlNode node, string problem) => errors.Add(Problem(file, node.Start, problem));
}
