using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Silo.Tests;

/// <summary>The silo process, started as a person would, stops on a bad policy file, Envoy file or setting: exit 2, the problems, no stack trace.</summary>
public sealed class StartupProblemsProcessTests
{
    private const string GoodPolicies = "policies:\n  - name: demo\n    limits:\n      - { algorithm: fixed_window, limit: 5, window: 1m }\n";

    [Fact]
    public async Task AMisspelledPolicyFieldExitsWithTheProblemAndNoStackTrace()
    {
        var output = await RunToExitAsync("policies:\n  - name: demo\n    limts:\n      - { algorithm: fixed_windw, limit: 5, window: 1m }\n",
            new Dictionary<string, string>());

        Assert.Contains("is invalid:", output, StringComparison.Ordinal);
        Assert.Contains("(line 3, column 5): policies[0] 'demo': 'limts' is not a field of a policy " +
            "(fields: name, shadowMode, failureMode, scope, leases, limits); did you mean 'limits'?", output, StringComparison.Ordinal);
        Assert.Contains("The silo did not start.", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadSettingsExitWithEveryVariableNamed()
    {
        var output = await RunToExitAsync(GoodPolicies, new Dictionary<string, string>
        {
            ["GrainLimiter__Storage"] = "redsi",
            ["GrainLimiter__FlushInterval"] = "00:00:00",
        });

        Assert.Contains("GrainLimiter__Storage: must be 'memory' or 'redis', not 'redsi'; did you mean 'redis'?", output, StringComparison.Ordinal);
        Assert.Contains("GrainLimiter__FlushInterval: must be between 1 ms and 1 minute.", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASettingThatIsNotANumberExitsNamingIt()
    {
        var output = await RunToExitAsync(GoodPolicies, new Dictionary<string, string> { ["GrainLimiter__MaxCost"] = "lots" });

        Assert.Contains("GrainLimiter__MaxCost: 'lots' is not a whole number.", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABadEnvoyFileExitsNamingItsLine()
    {
        var envoy = Path.Combine(Path.GetTempPath(), $"grainlimiter-envoy-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(envoy, "domain: d\ndescriptors:\n  - key: a\n    rate_limt: { unit: second, requests_per_unit: 1 }\n");
        try
        {
            var output = await RunToExitAsync(GoodPolicies, new Dictionary<string, string> { ["GrainLimiter__Envoy__ConfigPaths__0"] = envoy });

            Assert.Contains($"{envoy} (line 4, column 5): descriptors[0]: 'rate_limt' is not a field of a descriptor", output, StringComparison.Ordinal);
            Assert.Contains("did you mean 'rate_limit'?", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(envoy);
        }
    }

    [Fact]
    public async Task AnHttpsEndpointWithAMissingCertificateFileExitsNamingTheSetting()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"grainlimiter-missing-{Guid.NewGuid():N}.crt");
        var ports = SiloProcess.AllocatePorts();

        var output = await RunToExitAsync(GoodPolicies, new Dictionary<string, string>
        {
            ["Kestrel__Endpoints__Http__Url"] = $"https://127.0.0.1:{ports.Http}",
            ["GrainLimiter__Tls__CertificateFile"] = missing,
        });

        Assert.Contains($"GrainLimiter__Tls__CertificateFile: file '{missing}' does not exist.", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWrongRedisPasswordExitsNamingTheSettingWithoutThePassword()
    {
        await using var redis = await RedisServerProcess.StartRedisAsync("--requirepass", "right-secret");

        var output = await RunToExitAsync(GoodPolicies, new Dictionary<string, string>
        {
            ["GrainLimiter__Storage"] = "redis",
            ["GrainLimiter__Redis"] = $"127.0.0.1:{redis.Port},password=wrong-secret,connectTimeout=2000",
        });

        Assert.Contains($"GrainLimiter__Redis: cannot connect to 127.0.0.1:{redis.Port}", output, StringComparison.Ordinal);
        Assert.Contains("The silo did not start.", output, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-secret", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMissingTlsCertificateExitsNamingTheSetting()
    {
        var output = await RunToExitAsync(GoodPolicies, new Dictionary<string, string>
        {
            ["GrainLimiter__Cluster__Tls__Enabled"] = "true",
            ["GrainLimiter__Cluster__Tls__CertificateFile"] = "/nonexistent/tls.crt",
            ["GrainLimiter__Cluster__Tls__CaFile"] = "/nonexistent/ca.crt",
        });

        Assert.Contains("GrainLimiter__Cluster__Tls__CertificateFile: file '/nonexistent/tls.crt' does not exist.", output, StringComparison.Ordinal);
        Assert.Contains("GrainLimiter__Cluster__Tls__CaFile: file '/nonexistent/ca.crt' does not exist.", output, StringComparison.Ordinal);
    }

    /// <summary>Starts the silo dll with the file and settings, waits for it to exit, asserts exit code 2 and no stack trace.</summary>
    private static async Task<string> RunToExitAsync(string policies, IReadOnlyDictionary<string, string> settings)
    {
        var file = Path.Combine(Path.GetTempPath(), $"grainlimiter-policies-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, policies);
        try
        {
            await using var silo = SiloProcess.Start(SiloProcess.AllocatePorts(), file, settings);
            Assert.True(await silo.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the silo did not exit:\n" + silo.Output);
            var output = silo.Output;
            Assert.Equal(2, silo.ExitCode);
            Assert.DoesNotContain(output.Split('\n'), line => line.StartsWith("   at ", StringComparison.Ordinal));
            Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
            return output;
        }
        finally
        {
            File.Delete(file);
        }
    }
}
