using System.Globalization;
using GrainLimiter.Silo.Fronts.Envoy;
using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Silo.Tests.Fronts.Grpc;

/// <summary>One real silo (Kestrel on free loopback ports: HTTP/1.1 and HTTP/2 prior knowledge) shared by the gRPC and Envoy tests.</summary>
public sealed class GrpcSiloFixture : IAsyncLifetime
{
    public const string Policies = """
        policies:
          - name: grpc-demo
            limits:
              - { algorithm: token_bucket, limit: 3, window: 1h }
          - name: grpc-big
            limits:
              - { algorithm: token_bucket, limit: 1000000000, window: 1h }
          - name: grpc-queue
            limits:
              - { algorithm: leaky_bucket, limit: 10, window: 1h, maxWait: 1h }
          - name: grpc-leases
            limits:
              - { algorithm: concurrency, limit: 2, leaseTtl: 1h }
        """;

    /// <summary>Largest request message in this silo (GrainLimiter:MaxRequestBodyBytes), small so oversize is cheap to send.</summary>
    public const int MaxMessageBytes = 4096;

    public RunningSilo Silo { get; private set; } = null!;

    /// <summary>host:port of the HTTP/2 endpoint, as gRPC clients take it.</summary>
    public string GrpcAddress => Silo.GrpcAddress.Authority;

    public static string ExampleConfig => Path.Combine(AppContext.BaseDirectory, "Fronts", "Envoy", "ratelimit-example.yaml");

    /// <summary>Most checks in one CheckBatch call or CheckStream message (GrainLimiter:MaxChecksPerBatch).</summary>
    public const int MaxChecksPerBatch = 20;

    /// <summary>How long a CheckStream may idle before the silo ends it; short, so a test sees it.</summary>
    public static readonly TimeSpan StreamIdleTimeout = TimeSpan.FromSeconds(2);

    /// <summary>The settings of this silo, for tests that start one of their own like it.</summary>
    public static Dictionary<string, string?> Settings => new()
    {
        ["GrainLimiter:MaxRequestBodyBytes"] = MaxMessageBytes.ToString(CultureInfo.InvariantCulture),
        ["GrainLimiter:MaxChecksPerBatch"] = MaxChecksPerBatch.ToString(CultureInfo.InvariantCulture),
        ["GrainLimiter:Grpc:StreamIdleTimeout"] = StreamIdleTimeout.ToString("c", CultureInfo.InvariantCulture),
        [$"{EnvoyOptions.Section}:ConfigPaths:0"] = ExampleConfig,
        [$"{EnvoyOptions.Section}:ResponseHeaders"] = "true",
        [$"{EnvoyOptions.Section}:AllDescriptorHeaders"] = "true",
        [$"{EnvoyOptions.Section}:ResponseDynamicMetadata"] = "true",
        // Responses in gzip to every caller that accepts it (grpc-js does), so gzip is exercised both ways.
        ["GrainLimiter:Grpc:GzipResponses"] = "true",
    };

    public async Task InitializeAsync() => Silo = await RunningSilo.StartAsync(Policies, Settings);

    public async Task DisposeAsync() => await Silo.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class GrpcSiloCollection : ICollectionFixture<GrpcSiloFixture>
{
    public const string Name = "gRPC silo";
}
