using GrainLimiter.Silo.Fronts.Envoy.Rlqs;
using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Silo.Tests.Fronts.Envoy.Rlqs;

/// <summary>One real silo whose policy file has quotaBuckets, shared by the RLQS stream tests; each test uses buckets of its own.</summary>
public sealed class RlqsSiloFixture : IAsyncLifetime
{
    public const string AdminToken = "test-admin-token-0123456789";
    public const int MaxBucketsPerStream = 4;

    public const string Policies = """
        policies:
          - name: unused
            limits:
              - { algorithm: fixed_window, limit: 1, window: 1m }
        quotaBuckets:
          - name: shared-api
            domain: envoy
            match: { name: shared-api }
            limit: 100
            window: 1s
            assignmentTtl: 2s
          - name: idle
            domain: envoy
            match: { name: idle }
            limit: 10
            window: 1s
            assignmentTtl: 1s
            abandonAfter: 2s
          - name: tokens
            match: { name: "tok*" }
            limit: 30
            window: 1m
            strategy: token_bucket
            assignmentTtl: 5s
          - name: closed
            match: { name: closed }
            limit: 0
            window: 1s
        """;

    public RunningSilo Silo { get; private set; } = null!;

    public string GrpcAddress => Silo.GrpcAddress.Authority;

    public async Task InitializeAsync() => Silo = await RunningSilo.StartAsync(Policies, new Dictionary<string, string?>
    {
        ["GrainLimiter:AdminToken"] = AdminToken,
        [$"{RlqsOptions.Section}:MaxBucketsPerStream"] = MaxBucketsPerStream.ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    public async Task DisposeAsync() => await Silo.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class RlqsSiloCollection : ICollectionFixture<RlqsSiloFixture>
{
    public const string Name = "RLQS silo";
}
