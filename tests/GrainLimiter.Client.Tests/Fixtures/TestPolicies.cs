namespace GrainLimiter.Client.Tests.Fixtures;

/// <summary>The policies the client tests' silos enforce. Token buckets and leaky buckets: no window aligned to the epoch,
/// so a test never straddles a boundary by bad luck.</summary>
public static class TestPolicies
{
    public const string Yaml = """
        policies:
          - name: three-per-hour
            limits:
              - { algorithm: token_bucket, limit: 3, window: 1h, burst: 3 }
          - name: two-limits
            limits:
              - { algorithm: token_bucket, limit: 2, window: 1m, burst: 2, name: per-minute }
              - { algorithm: token_bucket, limit: 100, window: 1h, burst: 100, name: per-hour }
          - name: roomy
            limits:
              - { algorithm: token_bucket, limit: 1000000, window: 1s, burst: 1000000 }
          - name: image-api
            limits:
              - { algorithm: leaky_bucket, limit: 30, window: 1m, maxWait: 30m }
          - name: fast-queue
            limits:
              - { algorithm: leaky_bucket, limit: 10, window: 1s, maxWait: 1m }
          - name: inflight
            limits:
              - { algorithm: concurrency, limit: 2, leaseTtl: 1m }
          - name: api-free
            limits:
              - { algorithm: token_bucket, limit: 10, window: 1h, burst: 10 }
          - name: api-paid
            limits:
              - { algorithm: token_bucket, limit: 1000, window: 1h, burst: 1000 }
          - name: api-enterprise
            limits:
              - { algorithm: token_bucket, limit: 100000, window: 1h, burst: 100000 }
          - name: per-ip
            limits:
              - { algorithm: token_bucket, limit: 100000, window: 1s, burst: 100000 }
          - name: adaptive-api
            limits:
              - { algorithm: token_bucket, limit: 100, window: 1h, adaptive: { min: 10, max: 1000, by: success_rate } }
          - name: upstream-aimd
            limits:
              - { algorithm: token_bucket, limit: 100, window: 1s, adaptive: { min: 10, max: 200, rule: aimd, by: both, interval: 1s, decrease: 0.5 } }
        """;
}
