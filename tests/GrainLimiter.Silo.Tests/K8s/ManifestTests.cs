using System.Globalization;
using System.Text.Json;
using GrainLimiter.Config;
using GrainLimiter.Silo.Config;
using GrainLimiter.Silo.Fronts;
using GrainLimiter.Silo.Hosting;
using GrainLimiter.Silo.Observability;
using GrainLimiter.Silo.Storage;
using GrainLimiter.Silo.Tests.Fixtures;
using GrainLimiter.Silo.Tls;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using YamlDotNet.RepresentationModel;

namespace GrainLimiter.Silo.Tests.K8s;

/// <summary>Every kustomization under k8s/ renders with <c>kubectl kustomize</c>, and what it renders agrees with the silo:
/// labels and selectors, ports, the environment (through the silo's own validators), rollouts, drains and probes.</summary>
public sealed class ManifestTests
{
    /// <summary>What an operator applies: the base, each overlay, the base with each optional component.</summary>
    private static readonly string[] Rendered = ["base", "overlays/dev", "overlays/prod", "base+kubernetes-hosting", "base+decisions-autoscaling"];

    public static readonly TheoryData<string> Renders = new(Rendered);

    /// <summary>What applies without an optional component.</summary>
    public static readonly TheoryData<string> Overlays = new() { "base", "overlays/dev", "overlays/prod" };

    [Fact]
    public void EveryKustomizationIsRenderedHere()
    {
        var kustomizations = Directory.EnumerateFiles(Kustomize.K8s, "kustomization.yaml", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Kustomize.K8s, Path.GetDirectoryName(f)!)).Order(StringComparer.Ordinal);
        var rendered = Rendered.SelectMany(static r => r.Split('+') is [var first, .. var components]
            ? components.Select(static c => $"components/{c}").Prepend(first) : []).Distinct().Order(StringComparer.Ordinal);

        Assert.Equal(kustomizations, rendered);
    }

    [Theory, MemberData(nameof(Renders))]
    public async Task SelectorsAndTargetsFindTheSilos(string which)
    {
        var k8s = await RenderAsync(which);
        var podLabels = LabelSet(k8s.Silos["spec"]["template"]["metadata"]["labels"]);

        Assert.Subset(podLabels, LabelSet(k8s.Silos["spec"]["selector"]["matchLabels"]));
        Assert.Subset(podLabels, LabelSet(k8s.Single("Service")["spec"]["selector"]));
        Assert.Subset(podLabels, LabelSet(k8s.Single("PodDisruptionBudget")["spec"]["selector"]["matchLabels"]));
        var target = k8s.Single("HorizontalPodAutoscaler")["spec"]["scaleTargetRef"];
        Assert.Equal(("apps/v1", "Deployment", "grainlimiter"), (target["apiVersion"].ToString(), target["kind"].ToString(), target["name"].ToString()));
        var containerPorts = ContainerPorts(k8s).Keys;
        Assert.All(((YamlSequenceNode)k8s.Single("Service")["spec"]["ports"]).Cast<YamlMappingNode>(),
            p => Assert.Contains(p["targetPort"].ToString(), containerPorts));
    }

    [Theory, MemberData(nameof(Renders))]
    public async Task PortsAgreeWithTheSilosSettings(string which)
    {
        var k8s = await RenderAsync(which);
        var ports = ContainerPorts(k8s);
        var env = k8s.Environment();
        using var appsettings = JsonDocument.Parse(File.ReadAllText(Repository.Path("silo", "appsettings.json")));
        var endpoints = appsettings.RootElement.GetProperty("Kestrel").GetProperty("Endpoints");
        var defaults = new SiloClusterOptions();

        Assert.Equal(new Uri(endpoints.GetProperty("Http").GetProperty("Url").GetString()!).Port, ports["http"]);
        Assert.Equal(new Uri(endpoints.GetProperty("Grpc").GetProperty("Url").GetString()!).Port, ports["grpc"]);
        Assert.Equal(ports["http"], new Uri(env["Kestrel__Endpoints__Http__Url"]).Port);
        Assert.Equal(ports["grpc"], new Uri(env["Kestrel__Endpoints__Grpc__Url"]).Port);
        Assert.Equal((defaults.SiloPort, defaults.GatewayPort), (ports["silo"], ports["gateway"]));
        Assert.Equal((ports["silo"], ports["gateway"]), (int.Parse(env["GrainLimiter__Cluster__SiloPort"], CultureInfo.InvariantCulture),
            int.Parse(env["GrainLimiter__Cluster__GatewayPort"], CultureInfo.InvariantCulture)));
        Assert.Equal(ports["http"].ToString(CultureInfo.InvariantCulture),
            k8s.Silos["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"].ToString());
        var exposed = File.ReadLines(Repository.Path("k8s", "Dockerfile")).Single(static l => l.StartsWith("EXPOSE ", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(static p => int.Parse(p, CultureInfo.InvariantCulture));
        Assert.Equal(ports.Values.Order(), exposed.Order());
    }

    [Theory, MemberData(nameof(Renders))]
    public async Task TheSilosEnvironmentPassesItsOwnValidatorsAsThePodGivesIt(string which)
    {
        var k8s = await RenderAsync(which);
        using var certificates = new TestCertificates();
        var env = WithSecretStandIns(k8s, k8s.Environment(), certificates);
        var fields = k8s.EnvEntries.Where(static e => Manifests.At(e, "valueFrom", "fieldRef", "fieldPath") is not null)
            .ToDictionary(static e => e["name"].ToString(), static e => Manifests.At(e, "valueFrom", "fieldRef", "fieldPath")!.ToString());
        Assert.Equal("status.podIP", fields["POD_IP"]);
        Assert.Equal("metadata.name", fields["POD_NAME"]);

        var policies = MountedPolicyFile(k8s, env["GrainLimiter__PoliciesFile"]);
        try
        {
            Assert.NotEmpty(PolicyFileLoader.LoadFile(policies));
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(env.Select(static e => KeyValuePair.Create(e.Key.Replace("__", ":", StringComparison.Ordinal), (string?)e.Value)))
                .AddInMemoryCollection([KeyValuePair.Create("GrainLimiter:PoliciesFile", (string?)policies)])
                .Build();
            var silo = configuration.GetSection(SiloOptions.Section).Get<SiloOptions>()!;
            var cluster = configuration.GetSection(SiloClusterOptions.Section).Get<SiloClusterOptions>()!;
            // Kubernetes sets these two in every container.
            var podEnvironment = new Dictionary<string, string>(env) { ["KUBERNETES_SERVICE_HOST"] = "10.96.0.1", ["KUBERNETES_SERVICE_PORT"] = "443" };

            Assert.Equal(ValidateOptionsResult.Success.Succeeded, new SiloOptionsValidator().Validate(null, silo).Succeeded);
            var clusterResult = new SiloClusterOptionsValidator(podEnvironment.GetValueOrDefault).Validate(null, cluster);
            Assert.True(clusterResult.Succeeded, clusterResult.FailureMessage);
            Assert.Equal((SiloClusterOptions.Redis, Manifests.PodIp, Manifests.PodName), (cluster.Membership, cluster.AdvertisedIp, cluster.SiloName));
            Assert.True(LeavingSiloPause.For(cluster.ResponseTimeout) < silo.ShutdownTimeout,
                "a leaving silo refuses calls for a while within its ShutdownTimeout");
        }
        finally
        {
            File.Delete(policies);
        }
    }

    [Theory, MemberData(nameof(Renders))]
    public async Task RolloutsAndDrainsTakeOneSiloAtATimeAndLetItLeaveGracefully(string which)
    {
        var k8s = await RenderAsync(which);
        var spec = (YamlMappingNode)k8s.Silos["spec"];
        var env = k8s.Environment();

        Assert.False(spec.Children.ContainsKey("replicas"), "the HorizontalPodAutoscaler owns the replica count; an apply must not reset it");
        Assert.Equal(("RollingUpdate", "0", "1"), (spec["strategy"]["type"].ToString(), spec["strategy"]["rollingUpdate"]["maxUnavailable"].ToString(),
            spec["strategy"]["rollingUpdate"]["maxSurge"].ToString()));
        // A new silo serves a while before the next old one leaves: long enough for every silo to read the membership table twice.
        Assert.True(int.Parse(spec["minReadySeconds"].ToString(), CultureInfo.InvariantCulture)
            >= 2 * new SiloClusterOptions().TableRefreshTimeout.TotalSeconds);
        Assert.Equal("1", k8s.Single("PodDisruptionBudget")["spec"]["maxUnavailable"].ToString());

        var hpa = (YamlMappingNode)k8s.Single("HorizontalPodAutoscaler")["spec"];
        var (min, max) = (int.Parse(hpa["minReplicas"].ToString(), CultureInfo.InvariantCulture),
            int.Parse(hpa["maxReplicas"].ToString(), CultureInfo.InvariantCulture));
        Assert.InRange(min, 2, max);
        Assert.True(int.Parse(hpa["behavior"]["scaleDown"]["stabilizationWindowSeconds"].ToString(), CultureInfo.InvariantCulture) >= 60);
        Assert.All(((YamlSequenceNode)hpa["behavior"]["scaleDown"]["policies"]).Cast<YamlMappingNode>(),
            p => Assert.Equal(("Pods", "1"), (p["type"].ToString(), p["value"].ToString())));

        // After the preStop sleep, the silo has its shutdown timeout to leave the cluster and write every grain.
        var shutdown = TimeSpan.Parse(env["GrainLimiter__ShutdownTimeout"], CultureInfo.InvariantCulture).TotalSeconds;
        var preStop = int.Parse(k8s.Container["lifecycle"]["preStop"]["sleep"]["seconds"].ToString(), CultureInfo.InvariantCulture);
        var grace = int.Parse(k8s.PodSpec["terminationGracePeriodSeconds"].ToString(), CultureInfo.InvariantCulture);
        Assert.True(grace > preStop + shutdown,
            $"terminationGracePeriodSeconds {grace} must exceed preStop {preStop} s + GrainLimiter__ShutdownTimeout {shutdown} s");
    }

    [Theory, MemberData(nameof(Renders))]
    public async Task SilosRequestCpuAndAreNeverThrottled(string which)
    {
        var k8s = await RenderAsync(which);
        var resources = (YamlMappingNode)k8s.Container["resources"];

        Assert.NotNull(Manifests.At(resources, "requests", "cpu"));
        Assert.NotNull(Manifests.At(resources, "limits", "memory"));
        Assert.Null(Manifests.At(resources, "limits", "cpu"));
        var cpu = ((YamlSequenceNode)k8s.Single("HorizontalPodAutoscaler")["spec"]["metrics"]).Cast<YamlMappingNode>()
            .Single(static m => m["type"].ToString() == "Resource");
        Assert.Equal(("cpu", "Utilization"), (cpu["resource"]["name"].ToString(), cpu["resource"]["target"]["type"].ToString()));
    }

    [Theory, MemberData(nameof(Renders))]
    public async Task ProbesUseTheSilosHealthEndpoints(string which)
    {
        var container = (await RenderAsync(which)).Container;
        var siloApp = File.ReadAllText(Repository.Path("silo", "SiloApp.cs"));

        Assert.Equal(("/readyz", "/readyz", "/healthz"), (container["startupProbe"]["httpGet"]["path"].ToString(),
            container["readinessProbe"]["httpGet"]["path"].ToString(), container["livenessProbe"]["httpGet"]["path"].ToString()));
        var https = new Uri((await RenderAsync(which)).Environment()["Kestrel__Endpoints__Http__Url"]).Scheme == Uri.UriSchemeHttps;
        foreach (var probe in new[] { "startupProbe", "readinessProbe", "livenessProbe" })
        {
            Assert.Equal("http", container[probe]["httpGet"]["port"].ToString());
            // The kubelet must speak what the HTTP port serves: HTTPS once the fronts serve TLS.
            Assert.Equal(https ? "HTTPS" : "HTTP", Manifests.At(container[probe], "httpGet", "scheme")?.ToString() ?? "HTTP");
            Assert.Contains($"MapHealthChecks(\"{container[probe]["httpGet"]["path"]}\"", siloApp, StringComparison.Ordinal);
        }

        // Liveness runs no check at all.
        Assert.Contains("MapHealthChecks(\"/healthz\", new() { Predicate = _ => false })", siloApp, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheProbesCallNoGrainNoRedisAndNoOtherSilo()
    {
        await using var silo = await RunningSilo.StartAsync("""
            policies:
              - name: p
                limits:
                  - { algorithm: fixed_window, limit: 1, window: 1h }
            """);

        // The one check behind /readyz reads the host's lifetime, nothing else.
        var registration = Assert.Single(silo.Get<IOptions<HealthCheckServiceOptions>>().Value.Registrations);
        var check = registration.Factory(silo.Services);
        Assert.IsType<StoppingReadinessCheck>(check);
        Assert.All(typeof(StoppingReadinessCheck).GetConstructors().SelectMany(static c => c.GetParameters()),
            static p => Assert.Equal(typeof(IHostApplicationLifetime), p.ParameterType));
        Assert.Equal(System.Net.HttpStatusCode.OK, (await silo.Http.GetAsync(new Uri("/readyz", UriKind.Relative))).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await silo.Http.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode);
    }

    [Theory, MemberData(nameof(Overlays))]
    public async Task KubernetesHostingIsOffUnlessItsComponentIsAdded(string which)
    {
        var k8s = await RenderAsync(which);

        Assert.DoesNotContain(k8s.Objects, static o => o["kind"].ToString() is "ServiceAccount" or "Role" or "RoleBinding");
        Assert.Equal("false", k8s.PodSpec["automountServiceAccountToken"].ToString());
        Assert.False(k8s.Environment().ContainsKey("GrainLimiter__Cluster__KubernetesHosting"));
    }

    [Fact]
    public async Task TheKubernetesHostingComponentGivesThePackageWhatItNeeds()
    {
        var k8s = await Kustomize.RenderBaseWithAsync("kubernetes-hosting");
        var env = k8s.Environment();
        var labels = Labels(k8s.Silos["spec"]["template"]["metadata"]["labels"]);

        Assert.Equal("true", env["GrainLimiter__Cluster__KubernetesHosting"]);
        Assert.Equal("metadata.namespace",
            Manifests.At(k8s.EnvEntries.Single(static e => e["name"].ToString() == "POD_NAMESPACE"), "valueFrom", "fieldRef", "fieldPath")!.ToString());
        // The package lists the cluster's pods by these labels: they must carry the ids the silo joins with.
        Assert.Equal(env["GrainLimiter__Cluster__ClusterId"], labels["orleans/clusterId"]);
        Assert.Equal(env["GrainLimiter__Cluster__ServiceId"], labels["orleans/serviceId"]);

        var account = k8s.PodSpec["serviceAccountName"].ToString();
        Assert.Equal("true", k8s.PodSpec["automountServiceAccountToken"].ToString());
        k8s.Single("ServiceAccount", account);
        var role = Assert.Single(k8s.OfKind("Role"));
        var rule = ((YamlSequenceNode)role["rules"]).Cast<YamlMappingNode>()
            .Single(static r => ((YamlSequenceNode)r["resources"]).Any(static x => x.ToString() == "pods"));
        Assert.Superset(new HashSet<string> { "get", "list", "watch", "patch" },
            ((YamlSequenceNode)rule["verbs"]).Select(static v => v.ToString()).ToHashSet());
        var binding = Assert.Single(k8s.OfKind("RoleBinding"));
        Assert.Equal(Manifests.Name(role), binding["roleRef"]["name"].ToString());
        Assert.Equal(account, ((YamlSequenceNode)binding["subjects"]).Cast<YamlMappingNode>().Single()["name"].ToString());
    }

    [Fact]
    public async Task TheDevOverlayBringsTheRedisItsSilosUse()
    {
        var k8s = await Kustomize.RenderAsync("overlays/dev");
        var redis = RedisConfiguration.Parse(k8s.Environment()["GrainLimiter__Redis"]);
        var endpoint = (System.Net.DnsEndPoint)Assert.Single(redis.EndPoints);
        var service = k8s.Single("Service", endpoint.Host);
        var deployment = k8s.Single("Deployment", endpoint.Host);
        var container = Assert.Single(((YamlSequenceNode)deployment["spec"]["template"]["spec"]["containers"]).Cast<YamlMappingNode>());

        Assert.Equal(endpoint.Port.ToString(CultureInfo.InvariantCulture), ((YamlSequenceNode)service["spec"]["ports"])[0]["port"].ToString());
        Assert.Subset(LabelSet(deployment["spec"]["template"]["metadata"]["labels"]), LabelSet(service["spec"]["selector"]));
        // A public Debian-based image, as the tests' redis-server is Debian's.
        Assert.Matches(@"^docker\.io/library/redis:[0-9.]+-(bookworm|trixie)$", container["image"].ToString());
        var wait = Assert.Single(((YamlSequenceNode)k8s.PodSpec["initContainers"]).Cast<YamlMappingNode>());
        Assert.Equal(container["image"].ToString(), wait["image"].ToString());
        Assert.Contains($"redis-cli -h {endpoint.Host} ping", string.Join(' ', ((YamlSequenceNode)wait["command"]).Select(static c => c.ToString())),
            StringComparison.Ordinal);
        Assert.Equal("IfNotPresent", k8s.Container["imagePullPolicy"].ToString());
        Assert.Equal(Manifests.At(k8s.Silos, "metadata", "namespace")!.ToString(), Manifests.Name(Assert.Single(k8s.OfKind("Namespace"))));
    }

    [Fact]
    public async Task TheProdOverlayUsesAnExternalRedisOverTlsAsAnAclUserWithAPasswordFileFromASecret()
    {
        var k8s = await Kustomize.RenderAsync("overlays/prod");
        using var certificates = new TestCertificates();
        var written = k8s.Environment()["GrainLimiter__Redis"];
        var redis = RedisConfiguration.Parse(WithSecretStandIns(k8s, k8s.Environment(), certificates)["GrainLimiter__Redis"]);
        var mount = Assert.Single(k8s.SecretMounts(), static m => m.Secret == "grainlimiter-redis");

        Assert.True(redis.Ssl);
        Assert.Equal("grainlimiter", redis.User);
        Assert.Equal("stand-in-for-grainlimiter-redis-password", redis.Password);
        Assert.Contains($"passwordFile={mount.MountPath}/password", written, StringComparison.Ordinal);
        Assert.Contains($"sslCaFile={mount.MountPath}/ca.crt", written, StringComparison.Ordinal);
        Assert.True(mount.ReadOnly);
        // The password is read from the mounted file, never put in the environment.
        Assert.DoesNotContain(k8s.EnvEntries, static e => Manifests.At(e, "valueFrom", "secretKeyRef", "name")?.ToString() == "grainlimiter-redis");
        var host = ((System.Net.DnsEndPoint)Assert.Single(redis.EndPoints)).Host;
        Assert.DoesNotContain(k8s.OfKind("Service"), s => Manifests.Name(s) == host);
        Assert.Single(k8s.OfKind("Deployment"));
    }

    [Theory, MemberData(nameof(Overlays))]
    public async Task OnlyTheProdOverlayTurnsOnMutualTlsFromACertificateSecret(string which)
    {
        var k8s = await Kustomize.RenderAsync(which);
        var env = k8s.Environment();
        var tls = env.Keys.Where(static k => k.StartsWith("GrainLimiter__Cluster__Tls__", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToArray();
        if (which != "overlays/prod")
        {
            Assert.Empty(tls);
            return;
        }

        var mount = Assert.Single(k8s.SecretMounts(), static m => m.Secret == "grainlimiter-orleans-tls");
        Assert.True(mount.ReadOnly);
        Assert.Equal("true", env["GrainLimiter__Cluster__Tls__Enabled"]);
        Assert.Equal($"{mount.MountPath}/tls.crt", env["GrainLimiter__Cluster__Tls__CertificateFile"]);
        Assert.Equal($"{mount.MountPath}/tls.key", env["GrainLimiter__Cluster__Tls__KeyFile"]);
        Assert.Equal($"{mount.MountPath}/ca.crt", env["GrainLimiter__Cluster__Tls__CaFile"]);
    }

    [Fact]
    public async Task TheProdOverlayServesTlsWithTheCertificateOfAMountedSecret()
    {
        var k8s = await Kustomize.RenderAsync("overlays/prod");
        var env = k8s.Environment();
        var certificate = env["GrainLimiter__Tls__CertificateFile"];
        var key = env["GrainLimiter__Tls__KeyFile"];
        var mount = ((YamlSequenceNode)k8s.Container["volumeMounts"]).Cast<YamlMappingNode>()
            .Single(m => certificate.StartsWith(m["mountPath"].ToString().TrimEnd('/') + "/", StringComparison.Ordinal));
        var volume = ((YamlSequenceNode)k8s.PodSpec["volumes"]).Cast<YamlMappingNode>().Single(v => v["name"].ToString() == mount["name"].ToString());

        Assert.Equal(Uri.UriSchemeHttps, new Uri(env["Kestrel__Endpoints__Http__Url"]).Scheme);
        Assert.Equal(Uri.UriSchemeHttps, new Uri(env["Kestrel__Endpoints__Grpc__Url"]).Scheme);
        Assert.Equal("https", k8s.Silos["spec"]["template"]["metadata"]["annotations"]["prometheus.io/scheme"].ToString());
        // A kubernetes.io/tls Secret's two keys, mounted side by side.
        Assert.NotNull(Manifests.At(volume, "secret", "secretName"));
        Assert.Equal(("tls.crt", "tls.key"), (Path.GetFileName(certificate), Path.GetFileName(key)));
        Assert.Equal(Path.GetDirectoryName(certificate), Path.GetDirectoryName(key));

        // The silo's own validator accepts these settings once the Secret's files are there (here: a test CA's certificate).
        var mounted = TestCertificateFiles.NewDirectory();
        try
        {
            using var authority = TestCertificateAuthority.Create();
            TestCertificateFiles.WritePem(mounted, authority.IssueServer(), "tls");
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(env.Select(e => KeyValuePair.Create(e.Key.Replace("__", ":", StringComparison.Ordinal),
                    (string?)e.Value.Replace(mount["mountPath"].ToString().TrimEnd('/'), mounted, StringComparison.Ordinal))))
                .Build();
            var tls = configuration.GetSection(FrontTlsOptions.Section).Get<FrontTlsOptions>()!;
            var result = new FrontTlsOptionsValidator(configuration, TimeProvider.System).Validate(null, tls);
            Assert.True(result.Succeeded, result.FailureMessage);
        }
        finally
        {
            Directory.Delete(mounted, recursive: true);
        }
    }

    [Theory]
    [InlineData("base")]
    [InlineData("overlays/dev")]
    public async Task WithoutTheProdOverlayTheFrontsStayPlainText(string which)
    {
        var env = (await RenderAsync(which)).Environment();

        Assert.Equal(Uri.UriSchemeHttp, new Uri(env["Kestrel__Endpoints__Http__Url"]).Scheme);
        Assert.Equal(Uri.UriSchemeHttp, new Uri(env["Kestrel__Endpoints__Grpc__Url"]).Scheme);
        Assert.DoesNotContain(env.Keys, static k => k.StartsWith("GrainLimiter__Tls__", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ServerGcHeapsMatchTheCpusTheProdOverlayRequests()
    {
        // The silo turns DATAS off; Server GC then makes a heap per CPU it sees, which without a CPU limit is every CPU of the node.
        var project = File.ReadAllText(Repository.Path("silo", "GrainLimiter.Silo.csproj"));
        Assert.Contains("<GarbageCollectionAdaptationMode>0</GarbageCollectionAdaptationMode>", project, StringComparison.Ordinal);
        var k8s = await Kustomize.RenderAsync("overlays/prod");

        var heaps = Convert.ToInt32(k8s.Environment()["DOTNET_GCHeapCount"], 16);
        Assert.InRange(heaps, 1, int.Parse(k8s.Container["resources"]["requests"]["cpu"].ToString(), CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task TheDecisionsMetricIsTheOneThePrometheusAdapterServes()
    {
        var k8s = await Kustomize.RenderBaseWithAsync("decisions-autoscaling");
        var adapter = new YamlStream();
        adapter.Load(new StringReader(File.ReadAllText(Repository.Path("k8s", "monitoring", "prometheus-adapter-rules.yaml"))));
        var rule = (YamlMappingNode)((YamlSequenceNode)adapter.Documents[0].RootNode["rules"]).Single();
        var metrics = ((YamlSequenceNode)k8s.Single("HorizontalPodAutoscaler")["spec"]["metrics"]).Cast<YamlMappingNode>().ToList();

        Assert.StartsWith(MetricNames.Decisions + "{", rule["seriesQuery"].ToString(), StringComparison.Ordinal);
        Assert.Equal(("namespace", "pod"),
            (rule["resources"]["overrides"]["namespace"]["resource"].ToString(), rule["resources"]["overrides"]["pod"]["resource"].ToString()));
        var pods = Assert.Single(metrics, static m => m["type"].ToString() == "Pods");
        Assert.Equal(rule["name"]["as"].ToString(), pods["pods"]["metric"]["name"].ToString());
        Assert.Contains(metrics, static m => m["type"].ToString() == "Resource");
    }

    private static Task<Manifests> RenderAsync(string which) =>
        which.Split('+') is [_, .. var components] && components.Length > 0 ? Kustomize.RenderBaseWithAsync(components) : Kustomize.RenderAsync(which);

    private static Dictionary<string, int> ContainerPorts(Manifests k8s) =>
        ((YamlSequenceNode)k8s.Container["ports"]).Cast<YamlMappingNode>()
            .ToDictionary(static p => p["name"].ToString(), static p => int.Parse(p["containerPort"].ToString(), CultureInfo.InvariantCulture));

    private static Dictionary<string, string> Labels(YamlNode labels) =>
        ((YamlMappingNode)labels).Children.ToDictionary(static l => l.Key.ToString(), static l => l.Value.ToString());

    private static HashSet<KeyValuePair<string, string>> LabelSet(YamlNode labels) => [.. Labels(labels)];

    /// <summary>The policy file the silo is told to load, from the ConfigMap mounted over its folder, copied to a temporary file.</summary>
    /// <summary>The environment with every path into a mounted Secret pointing at a stand-in file: a test CA (<c>ca.crt</c>), a
    /// certificate it signed and its key (<c>tls.crt</c>, <c>tls.key</c>: a Kubernetes TLS Secret's keys), a password otherwise.</summary>
    private static Dictionary<string, string> WithSecretStandIns(Manifests k8s, IReadOnlyDictionary<string, string> env, TestCertificates certificates)
    {
        using var authority = certificates.CreateAuthority("k8s");
        var (certificate, key) = authority.IssuePem("k8s-silo");
        var standIns = new Dictionary<string, string>(env);
        foreach (var (mountPath, secret, _) in k8s.SecretMounts())
        {
            var folder = Directory.CreateDirectory(Path.Combine(certificates.Folder, secret)).FullName;
            var path = new System.Text.RegularExpressions.Regex(System.Text.RegularExpressions.Regex.Escape(mountPath) + "/([A-Za-z0-9._-]+)");
            foreach (var name in env.Keys)
            {
                standIns[name] = path.Replace(standIns[name], match =>
                {
                    var file = Path.Combine(folder, match.Groups[1].Value);
                    switch (match.Groups[1].Value)
                    {
                        case "ca.crt": File.Copy(authority.CertificateFile, file, overwrite: true); break;
                        case "tls.crt": File.Copy(certificate, file, overwrite: true); break;
                        case "tls.key": File.Copy(key, file, overwrite: true); break;
                        default: File.WriteAllText(file, $"stand-in-for-{secret}-{match.Groups[1].Value}"); break;
                    }

                    return file;
                });
            }
        }

        return standIns;
    }

    private static string MountedPolicyFile(Manifests k8s, string path)
    {
        var mount = ((YamlSequenceNode)k8s.Container["volumeMounts"]).Cast<YamlMappingNode>()
            .Single(m => path.StartsWith(m["mountPath"].ToString().TrimEnd('/') + "/", StringComparison.Ordinal));
        var volume = ((YamlSequenceNode)k8s.PodSpec["volumes"]).Cast<YamlMappingNode>().Single(v => v["name"].ToString() == mount["name"].ToString());
        var configMap = k8s.Single("ConfigMap", volume["configMap"]["name"].ToString());
        var copy = Path.Combine(Path.GetTempPath(), $"grainlimiter-mounted-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(copy, configMap["data"][Path.GetFileName(path)].ToString());
        return copy;
    }
}
