using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace GrainLimiter.Silo.Tests.K8s;

/// <summary>The invariants the Kubernetes manifests must keep with the silo (no cluster needed: the YAML is parsed).</summary>
public sealed class ManifestTests
{
    private static readonly string Root = RepositoryRoot();

    [Fact]
    public void ContainerPortsMatchTheSiloEndpointsAndTheHeadlessServiceExposesThePeerPort()
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
        Assert.Equal(ports["peer"], new Uri(env["Kestrel__Endpoints__Peer__Url"]).Port);
        Assert.EndsWith($":{ports["peer"]}", env["GrainLimiter__Cluster__AdvertisedAddress"], StringComparison.Ordinal);

        var headless = (YamlMappingNode)Load("base/service-headless.yaml")["spec"];
        Assert.Equal("None", headless["clusterIP"].ToString());
        Assert.Equal("true", headless["publishNotReadyAddresses"].ToString());
        Assert.Equal(env["GrainLimiter__Cluster__DnsName"], Load("base/service-headless.yaml")["metadata"]["name"].ToString());
        Assert.Contains(((YamlSequenceNode)headless["ports"]).Cast<YamlMappingNode>(), p => p["targetPort"].ToString() == "peer");
    }

    [Fact]
    public void ProbesUseTheSilosHealthPathsAndTheGracePeriodCoversTheLeave()
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
        var leave = TimeSpan.Parse(env["GrainLimiter__Cluster__LeaveTimeout"], System.Globalization.CultureInfo.InvariantCulture);
        var preStop = int.Parse(container["lifecycle"]["preStop"]["sleep"]["seconds"].ToString());
        var grace = int.Parse(Load("base/deployment.yaml")["spec"]["template"]["spec"]["terminationGracePeriodSeconds"].ToString());
        // The host waits LeaveTimeout + 5 s (HostOptions.ShutdownTimeout) after the preStop hook.
        Assert.True(grace > preStop + leave.TotalSeconds + 5, $"terminationGracePeriodSeconds {grace} must exceed preStop {preStop} s + leave {leave.TotalSeconds} s + 5 s");
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

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "GrainLimiter.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("GrainLimiter.sln not found above the test binaries.");
    }
}
