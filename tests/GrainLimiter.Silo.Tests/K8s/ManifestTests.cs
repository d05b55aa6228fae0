using System.Text.Json;
using GrainLimiter.Silo.Hosting;
using GrainLimiter.Silo.Tests.Fixtures;
using YamlDotNet.RepresentationModel;

namespace GrainLimiter.Silo.Tests.K8s;

/// <summary>The invariants the Kubernetes manifests must keep with the silo (no cluster needed: the YAML is parsed).</summary>
public sealed class ManifestTests
{
    private static readonly string Root = Repository.Root;

    [Fact]
    public void ContainerPortsMatchTheSiloEndpointsAndTheOrleansPorts()
    {
        var container = Container();
        var ports = ((YamlSequenceNode)container["ports"]).Cast<YamlMappingNode>().ToDictionary(p => p["name"].ToString(), p => int.Parse(p["containerPort"].ToString()));
        using var appsettings = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "silo", "appsettings.json")));
        var endpoints = appsettings.RootElement.GetProperty("Kestrel").GetProperty("Endpoints");
        Assert.Equal(new Uri(endpoints.GetProperty("Http").GetProperty("Url").GetString()!).Port, ports["http"]);
        Assert.Equal(new Uri(endpoints.GetProperty("Grpc").GetProperty("Url").GetString()!).Port, ports["grpc"]);

        var env = Env(container);
        Assert.Equal(ports["http"], new Uri(env["Kestrel__Endpoints__Http__Url"]).Port);
        Assert.Equal(ports["grpc"], new Uri(env["Kestrel__Endpoints__Grpc__Url"]).Port);
        var defaults = new SiloClusterOptions();
        Assert.Equal(defaults.SiloPort, ports["silo"]);
        Assert.Equal(defaults.GatewayPort, ports["gateway"]);
        Assert.Equal(ports["silo"], int.Parse(env["GrainLimiter__Cluster__SiloPort"]));
        Assert.Equal(ports["gateway"], int.Parse(env["GrainLimiter__Cluster__GatewayPort"]));
    }

    [Fact]
    public void SilosAdvertiseThePodIpAndCarryWhatKubernetesHostingNeeds()
    {
        var container = Container();
        var env = Env(container);
        Assert.Equal("redis", env["GrainLimiter__Cluster__Membership"]);
        Assert.Equal("$(POD_IP)", env["GrainLimiter__Cluster__AdvertisedIp"]);
        var fieldRefs = ((YamlSequenceNode)container["env"]).Cast<YamlMappingNode>()
            .Where(static e => e.Children.ContainsKey("valueFrom") && ((YamlMappingNode)e["valueFrom"]).Children.ContainsKey("fieldRef"))
            .ToDictionary(static e => e["name"].ToString(), static e => e["valueFrom"]["fieldRef"]["fieldPath"].ToString());
        Assert.Equal("status.podIP", fieldRefs["POD_IP"]);
        Assert.Equal("metadata.name", fieldRefs["POD_NAME"]);
        Assert.Equal("metadata.namespace", fieldRefs["POD_NAMESPACE"]);

        // The hosting package selects the cluster's pods by labels; they and every id setting must agree.
        var labels = (YamlMappingNode)Load("base/deployment.yaml")["spec"]["template"]["metadata"]["labels"];
        Assert.Equal(env["GrainLimiter__Cluster__ClusterId"], labels["orleans/clusterId"].ToString());
        Assert.Equal(env["ORLEANS_CLUSTER_ID"], labels["orleans/clusterId"].ToString());
        Assert.Equal(env["GrainLimiter__Cluster__ServiceId"], labels["orleans/serviceId"].ToString());
        Assert.Equal(env["ORLEANS_SERVICE_ID"], labels["orleans/serviceId"].ToString());

        // RBAC: the pod's service account may read, list, watch and label pods.
        var rbac = LoadAll("base/rbac.yaml");
        var account = Load("base/deployment.yaml")["spec"]["template"]["spec"]["serviceAccountName"].ToString();
        Assert.Contains(rbac, d => d["kind"].ToString() == "ServiceAccount" && d["metadata"]["name"].ToString() == account);
        var role = rbac.Single(static d => d["kind"].ToString() == "Role");
        var rule = ((YamlSequenceNode)role["rules"]).Cast<YamlMappingNode>().Single(static r => ((YamlSequenceNode)r["resources"]).Any(static x => x.ToString() == "pods"));
        var verbs = ((YamlSequenceNode)rule["verbs"]).Select(static v => v.ToString()).ToHashSet();
        Assert.Superset(verbs, new HashSet<string> { "get", "list", "watch", "patch" });
        var binding = rbac.Single(static d => d["kind"].ToString() == "RoleBinding");
        Assert.Equal(role["metadata"]["name"].ToString(), binding["roleRef"]["name"].ToString());
        Assert.Equal(account, ((YamlSequenceNode)binding["subjects"]).Cast<YamlMappingNode>().Single()["name"].ToString());
    }

    [Fact]
    public void ProbesUseTheSilosHealthPathsAndTheGracePeriodCoversTheDrain()
    {
        var container = Container();
        var siloApp = File.ReadAllText(Path.Combine(Root, "silo", "SiloApp.cs"));
        foreach (var probe in new[] { "readinessProbe", "livenessProbe" })
        {
            var path = container[probe]["httpGet"]["path"].ToString();
            Assert.Contains($"MapHealthChecks(\"{path}\"", siloApp, StringComparison.Ordinal);
        }

        Assert.Equal("/readyz", container["readinessProbe"]["httpGet"]["path"].ToString());
        var env = Env(container);
        var shutdown = TimeSpan.Parse(env["GrainLimiter__ShutdownTimeout"], System.Globalization.CultureInfo.InvariantCulture).TotalSeconds;
        var preStop = int.Parse(container["lifecycle"]["preStop"]["sleep"]["seconds"].ToString());
        var grace = int.Parse(Load("base/deployment.yaml")["spec"]["template"]["spec"]["terminationGracePeriodSeconds"].ToString());
        // After the preStop hook the host has its shutdown timeout to leave the cluster and write every grain.
        Assert.True(grace > preStop + shutdown, $"terminationGracePeriodSeconds {grace} must exceed preStop {preStop} s + shutdown {shutdown} s");
        Assert.Equal("grainlimiter-secrets", container["env"].AllNodes.OfType<YamlMappingNode>()
            .First(n => n.Children.ContainsKey("secretKeyRef"))["secretKeyRef"]["name"].ToString());
    }

    [Fact]
    public void EveryKustomizationResourceExists()
    {
        foreach (var kustomization in new[] { "base", "overlays/dev", "overlays/prod" })
        {
            var document = Load($"{kustomization}/kustomization.yaml");
            foreach (var resource in ((YamlSequenceNode)document["resources"]).Select(static r => r.ToString()))
            {
                var path = Path.Combine(Root, "k8s", kustomization, resource);
                Assert.True(File.Exists(path) || Directory.Exists(path), $"{kustomization}: resource {resource} is missing");
            }
        }

        Assert.True(File.Exists(Path.Combine(Root, "k8s", "base", "policies.yaml")));
        Assert.Contains("FROM mcr.microsoft.com/dotnet/aspnet:10.0", File.ReadAllText(Path.Combine(Root, "k8s", "Dockerfile")), StringComparison.Ordinal);
    }

    [Fact]
    public void ServerGcWithoutDynamicAdaptationHasItsHeapCountBoundedOnKubernetes()
    {
        // The silo turns DATAS off; Server GC then makes a heap per CPU it sees, which without a bound is every CPU of the node.
        var project = File.ReadAllText(Path.Combine(Root, "silo", "GrainLimiter.Silo.csproj"));
        Assert.Contains("<GarbageCollectionAdaptationMode>0</GarbageCollectionAdaptationMode>", project, StringComparison.Ordinal);
        var heaps = Convert.ToInt32(Env(Container())["DOTNET_GCHeapCount"], 16);
        // The prod overlay's CPU request is one of its JSON patches (a YAML string inside the kustomization).
        var cpuPatch = ((YamlSequenceNode)Load("overlays/prod/kustomization.yaml")["patches"]).Cast<YamlMappingNode>()
            .Select(static p => p["patch"].ToString()).Single(static p => p.Contains("resources/requests/cpu", StringComparison.Ordinal));
        var patch = new YamlStream();
        patch.Load(new StringReader(cpuPatch));
        var prodCpu = ((YamlSequenceNode)patch.Documents[0].RootNode).Cast<YamlMappingNode>().Single()["value"].ToString();
        Assert.InRange(heaps, 1, int.Parse(prodCpu));
    }

    private static YamlMappingNode Container() =>
        (YamlMappingNode)((YamlSequenceNode)Load("base/deployment.yaml")["spec"]["template"]["spec"]["containers"]).Children[0];

    private static Dictionary<string, string> Env(YamlMappingNode container) =>
        ((YamlSequenceNode)container["env"]).Cast<YamlMappingNode>()
            .Where(static e => e.Children.ContainsKey("value"))
            .ToDictionary(static e => e["name"].ToString(), static e => e["value"].ToString());

    private static YamlMappingNode Load(string relative)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Root, "k8s", relative));
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static List<YamlMappingNode> LoadAll(string relative)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Root, "k8s", relative));
        stream.Load(reader);
        return stream.Documents.Select(static d => (YamlMappingNode)d.RootNode).ToList();
    }
}
