using GrainLimiter.Silo.Tests.Fixtures;
using YamlDotNet.RepresentationModel;

namespace GrainLimiter.Silo.Tests.K8s;

/// <summary>Renders k8s/ with <c>kubectl kustomize</c> (kustomize v5, offline: no cluster), as <c>kubectl apply -k</c> would send it.</summary>
internal static class Kustomize
{
    public static readonly string K8s = Repository.Path("k8s");

    /// <summary>The objects <paramref name="kustomization"/> (a folder under k8s/, e.g. <c>overlays/prod</c>) renders.</summary>
    public static Task<Manifests> RenderAsync(string kustomization) => RenderFolderAsync(Path.Combine(K8s, kustomization));

    /// <summary>The base with <paramref name="components"/> (folders under k8s/components) added, as an overlay listing them renders it.</summary>
    public static async Task<Manifests> RenderBaseWithAsync(params string[] components)
    {
        var overlay = Directory.CreateTempSubdirectory("grainlimiter-overlay-");
        try
        {
            // Relative paths: kustomize loads nothing by an absolute one.
            var k8s = Path.GetRelativePath(overlay.FullName, K8s);
            await File.WriteAllLinesAsync(Path.Combine(overlay.FullName, "kustomization.yaml"),
                ["resources:", $"  - {k8s}/base", "components:", .. components.Select(c => $"  - {k8s}/components/{c}")]);
            return await RenderFolderAsync(overlay.FullName);
        }
        finally
        {
            overlay.Delete(recursive: true);
        }
    }

    private static async Task<Manifests> RenderFolderAsync(string folder)
    {
        var (exit, output, errors) = await Tools.RunAsync(Tools.Find("kubectl", "kubectl"), ["kustomize", folder]);
        Assert.True(exit == 0, $"kubectl kustomize {folder} failed:\n{errors}");
        var stream = new YamlStream();
        stream.Load(new StringReader(output));
        return new Manifests(stream.Documents.Select(static d => (YamlMappingNode)d.RootNode).ToList());
    }
}
