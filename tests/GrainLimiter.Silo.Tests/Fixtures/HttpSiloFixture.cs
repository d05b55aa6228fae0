namespace GrainLimiter.Silo.Tests.Fixtures;

/// <summary>One silo shared by the HTTP front tests; each test uses keys of its own.</summary>
/// <remarks>Token buckets (burst = limit), not windows aligned to the epoch: a test's checks never straddle a window boundary by
/// bad luck and find their key fresh again.</remarks>
public sealed class HttpSiloFixture : IAsyncLifetime
{
    public const string AdminToken = "test-admin-token-0123456789";

    public const string Policies = """
        policies:
          - name: ten-per-minute
            limits:
              - { algorithm: token_bucket, limit: 10, window: 1m }
          - name: hundred-per-hour
            limits:
              - { algorithm: token_bucket, limit: 100, window: 1h }
          - name: two-limits
            limits:
              - { algorithm: token_bucket, limit: 3, window: 1m, name: per-minute }
              - { algorithm: token_bucket, limit: 5, window: 1h, name: per-hour, alertAt: 0.8 }
          - name: alerting
            limits:
              - { algorithm: token_bucket, limit: 16, window: 1h, alertAt: 0.9375 }
          - name: bursty
            limits:
              - { algorithm: token_bucket, limit: 10, window: 1s, burst: 15 }
          - name: shadow
            shadowMode: true
            limits:
              - { algorithm: token_bucket, limit: 1, window: 1h }
        """;

    public RunningSilo Silo { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Silo = await RunningSilo.StartAsync(Policies, new Dictionary<string, string?> { ["GrainLimiter:AdminToken"] = AdminToken });

    public async Task DisposeAsync() => await Silo.DisposeAsync();
}
