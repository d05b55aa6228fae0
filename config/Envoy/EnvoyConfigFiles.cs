namespace GrainLimiter.Config.Envoy;

/// <summary>Which files hold descriptor configuration, listed paths and envoyproxy/ratelimit's runtime layout, and their text.</summary>
/// <remarks>A path that does not exist or a file that cannot be read is a problem like any other, reported with the rest.</remarks>
internal static class EnvoyConfigFiles
{
    /// <summary>The files a list of configured paths names: files as given, directories expanded to their YAML files.</summary>
    public static IReadOnlyList<string> Listed(IEnumerable<string> paths, List<string> errors)
    {
        var files = new List<string>();
        foreach (var path in paths.Where(static p => !string.IsNullOrWhiteSpace(p)))
        {
            if (Directory.Exists(path))
            {
                files.AddRange(Directory.EnumerateFiles(path)
                    .Where(static f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
                    .Order(StringComparer.Ordinal));
            }
            else if (File.Exists(path))
            {
                files.Add(path);
            }
            else
            {
                errors.Add($"{path}: GrainLimiter:Envoy:ConfigPaths names a file or directory that does not exist.");
            }
        }

        return files;
    }

    /// <summary>Every file of envoyproxy/ratelimit's runtime layout, in any subdirectory and of any name, ordered by path.</summary>
    public static IReadOnlyList<string> InRuntimeLayout(EnvoyConfigSources sources, List<string> errors)
    {
        if (sources.RuntimeDirectory is not { } directory)
        {
            return [];
        }

        if (!Directory.Exists(directory))
        {
            errors.Add($"{directory}: GrainLimiter:Envoy:RuntimeRoot, RuntimeSubdirectory and RuntimeAppDirectory name a directory that does not exist.");
            return [];
        }

        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.None };
        return Directory.EnumerateFiles(directory, "*", options)
            .Where(f => !sources.RuntimeIgnoreDotFiles || !InDotPath(Path.GetRelativePath(directory, f)))
            .Order(StringComparer.Ordinal)
            .ToArray();

        static bool InDotPath(string relative) => relative.Split(Path.DirectorySeparatorChar).Any(static part => part.StartsWith('.'));
    }

    /// <summary>The text of every file the sources name, listed files first, each with its path.</summary>
    public static List<(string Name, string Text)> ReadAll(EnvoyConfigSources sources, List<string> errors)
    {
        var texts = new List<(string Name, string Text)>();
        foreach (var file in Listed(sources.ConfigPaths, errors).Concat(InRuntimeLayout(sources, errors)))
        {
            try
            {
                texts.Add((file, File.ReadAllText(file)));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                errors.Add($"{file}: cannot be read: {e.Message}");
            }
        }

        return texts;
    }
}
