using System.Text.Json;
using GrainLimiter.Cli.Tests.Fixtures;

namespace GrainLimiter.Cli.Tests;

/// <summary>The verbs whose endpoints main serves, against a real silo: check, get (public usage), reset, cluster; tokens; a silo down.</summary>
public sealed class RealSiloVerbTests(CliSiloFixture fixture) : IClassFixture<CliSiloFixture>
{
    private Task<CliRun> Run(params string[] args) =>
        CliRun.RunWithAsync(new Dictionary<string, string> { ["GRAINLIMITER_URL"] = fixture.Url, ["GRAINLIMITER_TOKEN"] = CliSiloFixture.AdminToken }, args);

    [Fact]
    public async Task CheckExitsZeroWhileAllowedAndOneWhenDenied()
    {
        var key = $"user:{Guid.NewGuid():N}";

        var first = await Run("check", "two-per-hour", key, "--json");
        var second = await Run("check", "two-per-hour", key);
        var third = await Run("check", "two-per-hour", key, "--json");

        Assert.True(first.ExitCode == 0, first.ToString());
        var result = first.Json.GetProperty("results")[0];
        Assert.True(result.GetProperty("allowed").GetBoolean());
        Assert.Equal(1, result.GetProperty("remaining").GetInt64());
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("allowed", second.Stdout, StringComparison.Ordinal);
        Assert.True(third.ExitCode == 1, third.ToString());
        Assert.False(third.Json.GetProperty("allowed").GetBoolean());
        Assert.True(third.Json.GetProperty("results")[0].GetProperty("retryAfterMs").GetInt64() > 0);
    }

    [Fact]
    public async Task CostZeroPeeksAndACostTheSiloRefusesIsAUsageError()
    {
        var key = $"peek:{Guid.NewGuid():N}";

        var peek = await Run("check", "two-per-hour", key, "--cost", "0", "--json");
        var tooMuch = await Run("check", "two-per-hour", key, "--cost", "-5");

        Assert.Equal(2, peek.Json.GetProperty("results")[0].GetProperty("remaining").GetInt64());
        Assert.True(tooMuch.ExitCode == 2, tooMuch.ToString());
        Assert.Contains("checks[0].cost", tooMuch.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QuotaBucketShowsTheBucketAndRefusesAnEntryWithoutValue()
    {
        var bucket = await Run("quota-bucket", "envoy", $"name=api-{Guid.NewGuid():N}", "--json");
        var table = await Run("quota-bucket", "envoy", "name=api", "tenant=acme");
        var malformed = await Run("quota-bucket", "envoy", "name");

        Assert.True(bucket.ExitCode == 0, bucket.ToString());
        Assert.Equal("envoy", bucket.Json.GetProperty("domain").GetString());
        Assert.Equal(0, bucket.Json.GetProperty("streams").GetArrayLength());
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains("demand", table.Stdout, StringComparison.Ordinal);
        Assert.True(malformed.ExitCode == 2, malformed.ToString());
        Assert.Contains("KEY=VALUE", malformed.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownPolicyIsNamed()
    {
        var run = await Run("check", "no-such-policy", "k");

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("checks[0].policy", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("no-such-policy", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetShowsUsageWithoutChargingAndResetForgetsIt()
    {
        var key = $"tenant/{Guid.NewGuid():N}"; // a slash in the key survives the path
        await Run("check", "two-per-hour", key);

        var before = await Run("get", "two-per-hour", key, "--json");
        var human = await Run("get", "two-per-hour", key);
        var reset = await Run("reset", "two-per-hour", key, "--json");
        var after = await Run("get", "two-per-hour", key, "--json");

        Assert.True(before.ExitCode == 0, before.ToString());
        Assert.Equal(1, Remaining(before.Json));
        Assert.Contains(key, human.Stdout, StringComparison.Ordinal);
        Assert.True(reset.ExitCode == 0, reset.ToString());
        Assert.True(reset.Json.GetProperty("reset").GetBoolean());
        Assert.Equal(2, Remaining(after.Json));
    }

    [Fact]
    public async Task ClusterListsTheSiloAsATableAndAsJson()
    {
        var table = await Run("cluster");
        var json = await Run("cluster", "--json");

        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains("active", table.Stdout, StringComparison.Ordinal);
        Assert.Contains("(answered)", table.Stdout, StringComparison.Ordinal);
        var silo = Assert.Single(json.Json.GetProperty("silos").EnumerateArray());
        Assert.Equal("active", silo.GetProperty("status").GetString());
        Assert.Equal(json.Json.GetProperty("self").GetString(), silo.GetProperty("address").GetString());
    }

    [Fact]
    public async Task AWrongTokenExitsThreeAndIsNeverPrinted()
    {
        const string wrong = "not-the-token-but-a-secret-all-the-same";
        var withWrong = await CliRun.RunAsync("--url", fixture.Url, "--token", wrong, "reset", "two-per-hour", "k");
        var fromEnvironment = await CliRun.RunWithAsync(new Dictionary<string, string> { ["GRAINLIMITER_TOKEN"] = wrong },
            "--url", fixture.Url, "cluster", "--json");
        var without = await CliRun.RunAsync("--url", fixture.Url, "cluster");

        Assert.True(withWrong.ExitCode == 3, withWrong.ToString());
        Assert.True(fromEnvironment.ExitCode == 3, fromEnvironment.ToString());
        Assert.True(without.ExitCode == 3, without.ToString());
        Assert.Contains("--token or set GRAINLIMITER_TOKEN", without.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, withWrong.Stdout + withWrong.Stderr + fromEnvironment.Stdout + fromEnvironment.Stderr, StringComparison.Ordinal);
        Assert.Equal("Authorization", fromEnvironment.Json.GetProperty("field").GetString());
    }

    [Fact]
    public async Task ASiloThatIsDownExitsFive()
    {
        var nobody = $"http://127.0.0.1:{GrainLimiter.Silo.Tests.Fixtures.FreePort.Next()}";

        var check = await CliRun.RunAsync("--url", nobody, "check", "two-per-hour", "k");
        var cluster = await CliRun.RunAsync("--url", nobody, "--token", CliSiloFixture.AdminToken, "cluster");

        Assert.True(check.ExitCode == 5, check.ToString());
        Assert.True(cluster.ExitCode == 5, cluster.ToString());
        Assert.Contains($"cannot reach the silo at {nobody}/", check.Stderr, StringComparison.Ordinal);
    }

    // The key view (admin) has every limit; the public usage has the deciding one.
    private static long Remaining(JsonElement json) => json.TryGetProperty("limits", out var limits)
        ? limits[0].GetProperty("remaining").GetInt64()
        : json.GetProperty("remaining").GetInt64();
}
