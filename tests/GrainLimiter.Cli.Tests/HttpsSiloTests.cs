using GrainLimiter.Cli.Tests.Fixtures;
using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Cli.Tests;

/// <summary>A silo serving HTTPS with a certificate from a private CA: reached with <c>--ca-file</c>, refused (exit 5) without it.</summary>
public sealed class HttpsSiloTests : IAsyncLifetime
{
    private readonly string _directory = TestCertificateFiles.NewDirectory();
    private readonly TestCertificateAuthority _authority = TestCertificateAuthority.Create();
    private RunningSilo _silo = null!;
    private string _caFile = null!;

    public async Task InitializeAsync()
    {
        _caFile = _authority.WriteCertificate(_directory);
        var (certificate, key) = TestCertificateFiles.WritePem(_directory, _authority.IssueServer());
        _silo = await RunningSilo.StartAsync(CliSiloFixture.Policies, TestCertificateFiles.SiloSettings(certificate, key));
    }

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        _authority.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task CheckReachesAnHttpsSiloWithTheCaFileAndExplainsTheRefusalWithout()
    {
        var url = _silo.HttpAddress.ToString();
        var key = $"tls:{Guid.NewGuid():N}";

        var trusted = await CliRun.RunAsync("check", "two-per-hour", key, "--url", url, "--ca-file", _caFile);
        var fromEnvironment = await CliRun.RunWithAsync(new Dictionary<string, string> { ["GRAINLIMITER_CA_FILE"] = _caFile },
            "check", "two-per-hour", key, "--url", url);
        var refused = await CliRun.RunAsync("check", "two-per-hour", key, "--url", url);
        var missing = await CliRun.RunAsync("check", "two-per-hour", key, "--url", url, "--ca-file", Path.Combine(_directory, "missing.crt"));

        Assert.True(trusted.ExitCode == 0, trusted.ToString());
        Assert.True(fromEnvironment.ExitCode == 0, fromEnvironment.ToString());
        Assert.True(refused.ExitCode == 5, refused.ToString());
        Assert.Contains("TLS handshake failed", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("--ca-file", refused.Stderr, StringComparison.Ordinal);
        Assert.True(missing.ExitCode == 2, missing.ToString());
        Assert.Contains("--ca-file: cannot read", missing.Stderr, StringComparison.Ordinal);
    }
}
