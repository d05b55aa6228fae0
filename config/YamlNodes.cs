using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace GrainLimiter.Config;

/// <summary>Reading a parsed YAML tree the way both configuration loaders need: fields by name, with where they were written.</summary>
internal static class YamlNodes
{
    /// <summary>"file (line L, column C): problem", the form every configuration problem is reported in.</summary>
    public static string Problem(string file, Mark at, string problem) => $"{file} (line {at.Line}, column {at.Column}): {problem}";

    /// <summary>Parses YAML text; a syntax error is added to <paramref name="errors"/> with its position and null returned.</summary>
    public static YamlNode? Root(string text, string file, List<string> errors)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            errors.Add(Problem(file, e.Start, $"not valid YAML: {(e.InnerException ?? e).Message}"));
            return null;
        }

        return stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
    }

    public static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    /// <summary>Whether a node says nothing: an empty value, <c>~</c> or <c>null</c>.</summary>
    public static bool IsEmpty(YamlNode? node) =>
        node is null || node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    /// <summary>
    /// Reports every key of <paramref name="map"/> that is not one of <paramref name="fields"/>, as the person wrote it,
    /// with the fields allowed there and the closest one when it is close.
    /// </summary>
    public static void CheckFields(YamlMappingNode map, string path, string what, IReadOnlyList<string> fields, string file, List<string> errors)
    {
        foreach (var key in map.Children.Keys)
        {
            if (key is not YamlScalarNode { Value: { } name })
            {
                errors.Add(Problem(file, key.Start, $"{Prefix(path)}a field name must be a single word, not a list or a mapping."));
            }
            else if (!fields.Contains(name, StringComparer.Ordinal))
            {
                errors.Add(Problem(file, key.Start,
                    $"{Prefix(path)}'{name}' is not a field of {what} (fields: {string.Join(", ", fields)}){Suggestion.EndWithDidYouMean(name, fields)}"));
            }
        }
    }

    private static string Prefix(string path) => path.Length == 0 ? "" : path + ": ";
}
