using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace GrainLimiter.Config.Envoy;

/// <summary>A descriptor's <c>metadata</c> mapping as the <c>google.protobuf.Struct</c> Envoy receives in dynamic metadata.</summary>
/// <remarks>Plain scalars are typed as envoyproxy/ratelimit's YAML parser types them (YAML 1.1: null, booleans, numbers);
/// quoted ones stay strings.</remarks>
internal static class EnvoyMetadata
{
    private static readonly HashSet<string> True = new(StringComparer.Ordinal) { "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON" };
    private static readonly HashSet<string> False = new(StringComparer.Ordinal) { "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF" };

    /// <summary>A YAML 1.1 boolean as written (<c>true</c>, <c>yes</c>, <c>on</c>...), or null when it is not one.</summary>
    public static bool? Boolean(string text) => True.Contains(text) ? true : False.Contains(text) ? false : null;

    /// <summary>The mapping as a Struct; a problem (a key that is not a single value) is returned instead.</summary>
    public static Struct? ToStruct(YamlMappingNode map, out string? problem)
    {
        problem = null;
        var result = new Struct();
        foreach (var (key, value) in map.Children)
        {
            if (key is not YamlScalarNode { Value: { } name })
            {
                problem = "a metadata key must be a single value, not a list or a mapping.";
                return null;
            }

            var converted = ToValue(value, out problem);
            if (converted is null)
            {
                return null;
            }

            result.Fields[name] = converted;
        }

        return result;
    }

    private static Value? ToValue(YamlNode node, out string? problem)
    {
        problem = null;
        switch (node)
        {
            case YamlMappingNode map:
                return ToStruct(map, out problem) is { } nested ? Value.ForStruct(nested) : null;
            case YamlSequenceNode list:
                var values = new List<Value>(list.Children.Count);
                foreach (var item in list.Children)
                {
                    if (ToValue(item, out problem) is not { } converted)
                    {
                        return null;
                    }

                    values.Add(converted);
                }

                return Value.ForList([.. values]);
            case YamlScalarNode scalar:
                return Scalar(scalar);
            default:
                problem = "metadata values must be values, lists or mappings.";
                return null;
        }
    }

    private static Value Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style is not (ScalarStyle.Plain or ScalarStyle.Any))
        {
            return Value.ForString(text);
        }

        if (text is "" or "~" or "null" or "Null" or "NULL")
        {
            return Value.ForNull();
        }

        if (Boolean(text) is { } flag)
        {
            return Value.ForBool(flag);
        }

        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole) ? Value.ForNumber(whole)
            : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number) ? Value.ForNumber(number)
            : Value.ForString(text);
    }
}
