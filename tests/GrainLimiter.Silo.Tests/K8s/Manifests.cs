using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace GrainLimiter.Silo.Tests.K8s;

/// <summary>The objects one kustomization renders, and the silo's container in them with its environment as Kubernetes would give it.</summary>
internal sealed partial class Manifests(IReadOnlyList<YamlMappingNode> objects)
{
    /// <summary>What the downward API would give a pod of the silo Deployment.</summary>
    public const string PodName = "grainlimiter-6d5f8c7b9-x2k4q";
    public const string PodIp = "10.244.1.7";

    public IReadOnlyList<YamlMappingNode> Objects => objects;

    public IEnumerable<YamlMappingNode> OfKind(string kind) => objects.Where(o => o["kind"].ToString() == kind);

    public YamlMappingNode Single(string kind, string name = "grainlimiter") => Assert.Single(OfKind(kind), o => Name(o) == name);

    public YamlMappingNode Silos => Single("Deployment");

    public YamlMappingNode PodSpec => (YamlMappingNode)Silos["spec"]["template"]["spec"];

    public YamlMappingNode Container =>
        Assert.Single(((YamlSequenceNode)PodSpec["containers"]).Cast<YamlMappingNode>(), static c => c["name"].ToString() == "silo");

    public IReadOnlyList<YamlMappingNode> EnvEntries => ((YamlSequenceNode)Container["env"]).Cast<YamlMappingNode>().ToList();

    /// <summary>The container's environment as the pod sees it: <c>$(VAR)</c> of an earlier entry expanded (a later or unknown one
    /// stays as written, as Kubernetes does), downward-API fields of a pod, secrets from the rendered Secret or a stand-in.</summary>
    public IReadOnlyDictionary<string, string> Environment()
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in EnvEntries)
        {
            environment[entry["name"].ToString()] = entry.Children.ContainsKey("value")
                ? Reference().Replace(entry["value"].ToString(), m => environment.GetValueOrDefault(m.Groups[1].Value, m.Value))
                : From((YamlMappingNode)entry["valueFrom"]);
        }

        return environment;
    }

    /// <summary>The container's mounts of Secret volumes: where each is mounted, which Secret, whether read-only.</summary>
    public IReadOnlyList<(string MountPath, string Secret, bool ReadOnly)> SecretMounts()
    {
        var secrets = ((YamlSequenceNode?)At(PodSpec, "volumes"))?.Cast<YamlMappingNode>()
            .Where(static v => At(v, "secret", "secretName") is not null)
            .ToDictionary(static v => v["name"].ToString(), static v => At(v, "secret", "secretName")!.ToString()) ?? [];
        return ((YamlSequenceNode?)At(Container, "volumeMounts"))?.Cast<YamlMappingNode>()
            .Where(m => secrets.ContainsKey(m["name"].ToString()))
            .Select(m => (m["mountPath"].ToString().TrimEnd('/'), secrets[m["name"].ToString()], At(m, "readOnly")?.ToString() == "true"))
            .ToList() ?? [];
    }

    public static string Name(YamlMappingNode o) => o["metadata"]["name"].ToString();

    /// <summary>The node at <paramref name="path"/> under <paramref name="node"/>, or null where a step is missing.</summary>
    public static YamlNode? At(YamlNode node, params string[] path)
    {
        foreach (var step in path)
        {
            if (node is not YamlMappingNode mapping || !mapping.Children.TryGetValue(step, out var next))
            {
                return null;
            }

            node = next;
        }

        return node;
    }

    private string From(YamlMappingNode valueFrom)
    {
        if (At(valueFrom, "fieldRef", "fieldPath") is { } field)
        {
            return field.ToString() switch
            {
                "metadata.name" => PodName,
                "metadata.namespace" => At(Silos, "metadata", "namespace")?.ToString() ?? "default",
                "status.podIP" => PodIp,
                var other => throw new InvalidOperationException($"no stand-in for the downward API field {other}"),
            };
        }

        var secret = At(valueFrom, "secretKeyRef", "name")!.ToString();
        var key = At(valueFrom, "secretKeyRef", "key")!.ToString();
        // A Secret made beforehand (not rendered): a stand-in without the characters a connection string separates on.
        return OfKind("Secret").Where(s => Name(s) == secret).Select(s => At(s, "data", key)).FirstOrDefault() is { } data
            ? Encoding.UTF8.GetString(Convert.FromBase64String(data.ToString()))
            : $"stand-in-for-{secret}-{key}";
    }

    [GeneratedRegex(@"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex Reference();
}
