using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Cli.Tests.Fixtures;

/// <summary>One real silo (in this process, Kestrel on a free loopback port, admin token set) for the verbs whose endpoints it serves.</summary>
public sealed class CliSiloFixture : IAsyncLifetime
{
    public const string AdminToken = "cli-test-admin-token-0123";

    public const string Policies = """
        policies:
          - name: two-per-hour
            limits:
              - { algorithm: token_bucket, limit: 2, window: 1h }
          - name: layered
            limits:
              - { algorithm: token_bucket, limit: 10, window: 1s, name: per-second }
              - { algorithm: token_bucket, limit: 100, window: 1h, name: per-hour }
        """;

    public RunningSilo Silo { get; private set; } = null!;

    public string Url => Silo.HttpAddress.ToString();

    public async Task InitializeAsync() =>
        Silo = await RunningSilo.StartAsync(Policies, new Dictionary<string, string?> { ["GrainLimiter:AdminToken"] = AdminToken });

    public async Task DisposeAsync() => await Silo.DisposeAsync();
}
