namespace GrainLimiter.Silo.Tests.Fixtures;

/// <summary>The repository the tests run from, for files they read (manifests, monitoring rules, node peers, tool manifest).</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "GrainLimiter.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("GrainLimiter.sln not found above the test binaries in " + AppContext.BaseDirectory);
    }
}
