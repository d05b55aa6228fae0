using GrainLimiter.Cli.Tests.Fixtures;
using GrainLimiter.Config;

namespace GrainLimiter.Cli.Tests;

/// <summary><c>policies validate</c> runs offline with the silo's own validator and prints the same problems.</summary>
public sealed class PoliciesValidateTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("grainlimiter-cli-").FullName;

    [Fact]
    public async Task AnInvalidFilePrintsTheSiloMessagesAndExitsTwo()
    {
        var file = Write("policies.yaml", "policies:\n  - name: demo\n    limts:\n      - { algorithm: fixed_window, limit: 5, window: 1m }\n"
            + "  - name: q\n    limits:\n      - { algorithm: quota, limit: 5, timeZone: Europe/Pariss }\n");
        var silo = Assert.Throws<PolicyFileException>(() => PolicyFileLoader.LoadFile(file));

        var run = await CliRun.RunAsync("policies", "validate", file);
        var json = await CliRun.RunAsync("policies", "validate", file, "--json");

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Equal(silo.Message + Environment.NewLine, run.Stderr);
        Assert.Contains("did you mean 'limits'?", run.Stderr, StringComparison.Ordinal);
        Assert.False(json.Json.GetProperty("valid").GetBoolean());
        Assert.Equal(silo.Errors, json.Json.GetProperty("errors").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task AValidFileAndEnvoyDirectoryAreReportedWithTheirNames()
    {
        var file = Write("ok.yaml", "policies:\n  - name: a\n    limits: [ { algorithm: gcra, limit: 1, window: 1s } ]\n"
            + "  - name: b\n    limits: [ { algorithm: quota, limit: 9 } ]\n");
        var envoy = Directory.CreateDirectory(Path.Combine(_directory, "envoy")).FullName;
        File.WriteAllText(Path.Combine(envoy, "d.yaml"), "domain: d\ndescriptors:\n  - key: k\n    rate_limit: { unit: second, requests_per_unit: 1 }\n");

        var run = await CliRun.RunAsync("policies", "validate", file, "--envoy", envoy);
        var json = await CliRun.RunAsync("policies", "validate", file, "--json");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal($"{file} is valid: 2 policies (a, b); 1 Envoy domain.{Environment.NewLine}", run.Stdout);
        Assert.Equal(["a", "b"], json.Json.GetProperty("policies").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task AnAdaptiveLimitIsValidatedOfflineAsTheSiloDoes()
    {
        const string Policy = "policies:\n  - name: a\n    limits:\n      - { algorithm: token_bucket, limit: 100, window: 1s, adaptive: ";
        var good = Write("adaptive.yaml", Policy + "{ min: 20, max: 400 } }\n");
        var bad = Write("bad-adaptive.yaml", Policy + "{ min: 200, max: 400 } }\n");

        var valid = await CliRun.RunAsync("policies", "validate", good);
        var invalid = await CliRun.RunAsync("policies", "validate", bad);

        Assert.True(valid.ExitCode == 0, valid.ToString());
        Assert.True(invalid.ExitCode == 2, invalid.ToString());
        Assert.Contains("policies[0] 'a': limits[0].adaptive.min: must be a whole number from 1 to the limit (100); got '200'.",
            invalid.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABadEnvoyFileAndAMissingPolicyFileAreBothReported()
    {
        var envoy = Write("bad-envoy.yaml", "domain: d\ndescriptors:\n  - key: k\n    rate_limit: { unit: secnd, requests_per_unit: 1 }\n");
        var missing = Path.Combine(_directory, "missing.yaml");

        var run = await CliRun.RunAsync("policies", "validate", missing, "--envoy", envoy);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains($"{missing}: cannot be read", run.Stderr, StringComparison.Ordinal);
        Assert.Contains($"{envoy} (line 4, column 25): descriptors[0].rate_limit.unit: 'secnd' is not a unit; "
            + $"use one of second, minute, hour, day, week, month, year; did you mean 'second'?", run.Stderr, StringComparison.Ordinal);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
